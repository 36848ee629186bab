"""The guard inflates a small zip part itself: it must give what zipfile's own stream
gives (the same bytes, or the same kind of error) on any damage to the file."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from qzfsg.reading.guard import _CHUNK, _inflated
from tests.factories import make_return
from tests.hostile import add_part


@cache
def _good_return() -> bytes:
    """A return with a stored part beside the deflated ones."""
    with TemporaryDirectory() as name:
        path = make_return(Path(name))
        with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as target:
            target.writestr("xl/stored.xml", "<a>stored</a>")
        add_part(path, "xl/empty.xml", b"")
        return path.read_bytes()


def _outcome(read) -> bytes | str:
    try:
        return read()
    except Exception as exc:  # whichever error: the same one on both sides
        return type(exc).__name__


def _by_zipfile(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as stream:
        first = stream.read(_CHUNK)
        assert stream.read(_CHUNK) == b""
        return first


_FIELDS = ("compress_size", "file_size", "CRC", "header_offset", "flag_bits", "compress_type")


@settings(max_examples=400, deadline=None)
@given(
    st.data(),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3),
    st.lists(
        st.tuples(st.sampled_from(_FIELDS), st.integers(-8, 8) | st.integers(-8, 2**16)), max_size=2
    ),
    st.integers(0, 10**6) | st.none(),
)
def test_a_small_part_inflates_as_zipfiles_stream_does(data, flips, lies, cut):
    """Bytes changed anywhere before the central directory, the directory lying about a
    part's sizes, checksum, place, flags or method, and the file cut short after the
    directory was read."""
    good = _good_return()
    archive = zipfile.ZipFile(io.BytesIO(good))
    infos = archive.infolist()
    end = min(info.header_offset for info in infos) + archive.start_dir
    damaged = bytearray(good)
    for at, byte in flips:
        damaged[at % end] = byte
    archive = zipfile.ZipFile(io.BytesIO(bytes(damaged)))
    info = data.draw(st.sampled_from(archive.infolist()))
    for field, value in lies:
        near = getattr(info, field) + value if field != "flag_bits" else value
        setattr(info, field, near)
    if cut is not None:
        del damaged[cut % len(damaged) :]
        archive.fp = io.BytesIO(damaged)  # what zipfile's stream reads from
    ours = _outcome(lambda: b"".join(_inflated(archive, info, bytes(damaged))))
    assert ours == _outcome(lambda: _by_zipfile(archive, info))
