"""Taking a received file from the disk: only a regular file is read, never more than
MAX_BYTES of it, and anything else (a folder, a pipe, a device, a symbolic link that
loops or points nowhere) gets a message saying what it is, without waiting on it."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from qzfsg.inert import shown_name
from qzfsg.reading.unreadable import UnreadableReturn

# A return is tens of kilobytes; a workbook with a year's ledger pasted below the form
# some tens of megabytes. Past this it is not a return, and reading it would cost memory.
MAX_BYTES = 256 * 2**20

_KINDS = (
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
    (stat.S_ISSOCK, "套接字"),
)


def read_received(path: Path) -> bytes:
    """The bytes of the file at `path`; UnreadableReturn, naming it, when it is not a
    regular file or cannot be read."""
    name = shown_name(path)
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer, for ever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise UnreadableReturn("unreadable", _open_failed(path, name, exc)) from None
    try:
        info = os.fstat(fd)
        _check_regular(name, info)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UnreadableReturn(
            "unreadable", f"无法读取文件“{name}”（{exc.strerror or exc}）。"
        ) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise _too_large(name, len(data))
    return data


def _check_regular(name: str, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableReturn("unreadable", f"“{name}”是文件夹，不是表格文件。")
    if not stat.S_ISREG(info.st_mode):
        kind = next((label for test, label in _KINDS if test(info.st_mode)), "特殊文件")
        raise UnreadableReturn(
            "unreadable", f"“{name}”不是普通文件（是{kind}），不能作为报表读取。"
        )
    if info.st_size > MAX_BYTES:
        raise _too_large(name, info.st_size)


def _too_large(name: str, size: int) -> UnreadableReturn:
    return UnreadableReturn(
        "unreadable",
        f"文件“{name}”有 {size / 2**20:.0f} MB，远超月报表应有的大小，未读取；请只发送月报表本身。",
    )


def _open_failed(path: Path, name: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return f"“{name}”是循环的符号链接（链接最终指回自身），打不开。"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"“{name}”是符号链接，但它指向的文件不存在。"
    if exc.errno == errno.ENOENT:
        return f"找不到文件“{name}”（可能已被移走或删除）。"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有读取文件“{name}”的权限。"
    if exc.errno == errno.ENXIO:
        return f"“{name}”不是普通文件（是套接字或无设备的特殊文件），不能作为报表读取。"
    return f"无法读取文件“{name}”（{exc.strerror or exc}）。"
