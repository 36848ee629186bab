"""Text that came from outside (a cell, a sheet name, a file name), made inert.

Control characters (NUL, backspace, ESC and the terminal sequences it starts, C1 controls),
zero-width, bidi and other invisible characters are replaced by a visible escape (`\\x1b`,
`\\u200b`), so that nothing a unit sends can move the cursor, recolour or hide text in the
clerk's terminal, link somewhere (OSC 8), or make a name look like another. Applied where
text enters (the reader, file names), so what is stored is already inert; the renderers
apply it again as a guard. Line breaks and tabs are kept: units press Alt+Enter in cells.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# Controls except \t and \n; C1 (\x9b is the 8-bit CSI); the Unicode format characters
# (soft hyphen, Arabic and Syriac marks, Mongolian vowel separator, zero-width space,
# joiners and marks, bidi embeddings, overrides and isolates, word joiner, invisible
# operators, BOM, interlinear annotation, tags); line and paragraph separators; lone
# surrogates (an undecodable file name); noncharacters; and the letters that are drawn
# as nothing (combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# variation selectors).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ud800-\udfff\ufe00-\ufe0f\ufeff"
    "\uffa0\ufff0-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
    "\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd\U00013430-\U0001343f]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def inert(text: str) -> str:
    """`text` with every invisible or control character shown as its escape."""
    return _INVISIBLE.sub(_escape, text) if _INVISIBLE.search(text) else text


def shown_name(path: Path | str) -> str:
    """A file name as it can be printed and stored: bytes that are not UTF-8 (a GBK name
    from a Windows zip, Latin-1) as `\\xb9`, invisible characters escaped."""
    return shown_path(Path(path).name)


def shown_path(path: Path | str) -> str:
    text = str(path)
    if _INVISIBLE.search(text):
        # os.listdir hands undecodable bytes over as lone surrogates: show the bytes.
        raw = os.fsencode(text)
        text = inert(raw.decode("utf-8", "backslashreplace"))
    return text
