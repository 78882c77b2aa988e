"""DSN lines: ``S21.G00.30.001,'1850575123456'``, one field a line (NEODeS cahier technique §2).

Files are ISO-8859-1 with LF or CRLF endings. The value lies between the first quote after the
comma and the *last* quote of the line, because values may hold quotes themselves (``N'DIAYE``).
The self-check reads files with :func:`read_lines`, which stops at bytes that are no DSN text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import BinaryIO, NamedTuple

from coursier.models.dsn.errors import UnreadableFile

ENCODING = "iso-8859-1"
MAX_LINE_LENGTH = 256
#: A line past the norm's 256 characters is an anomaly (CSL-008); past this bound the bytes are
#: no DSN at all and reading stops, so that memory stays flat whatever the input (/dev/zero).
READ_BOUND = 4 * MAX_LINE_LENGTH
#: The UTF-8 byte order mark as ISO-8859-1 shows it ("ï»¿"), and UTF-16's two marks.
UTF8_BOM = "\xef\xbb\xbf"
UTF16_BOMS = ("\xff\xfe", "\xfe\xff")
UTF16_BOMS_BYTES = tuple(mark.encode(ENCODING) for mark in UTF16_BOMS)
CHUNK = 1 << 16

FIELD_ID = re.compile(r"S\d{2}\.G\d{2}\.\d{2}\.\d{3}")


#: One well-formed line: its number in the file (from 1), field id and raw value. A plain
#: tuple, built with no call: a monthly DSN has about a million lines, and a named tuple's
#: constructor cost a quarter of the read. :func:`is_line` tells it from a :class:`MalformedLine`.
Line = tuple[int, str, str]


class MalformedLine(NamedTuple):
    """A line that is not ``Sxx.Gxx.xx.xxx,'value'``, kept as read so that it can be reported."""

    number: int
    text: str


def is_line(item: Line | MalformedLine) -> bool:
    """Whether a token is a well-formed line (a plain tuple, where a malformed one is named)."""
    return type(item) is tuple


def tokenize(lines: Iterable[str]) -> Iterator[Line | MalformedLine]:
    """Number and split decoded lines; end-of-line characters are dropped, blank lines kept.

    The hot loop of every DSN read: each distinct field id is matched against the pattern once
    per file (a file has a few hundred of them, and up to a million lines).
    """
    seen: set[str] = set()
    for number, text in enumerate(lines, start=1):
        text = text.rstrip("\r\n")
        field_id, comma, rest = text.partition(",")
        if comma and len(rest) >= 2 and rest[0] == "'" and rest[-1] == "'":
            if field_id in seen:
                yield (number, field_id, rest[1:-1])
                continue
            if _is_field_id(field_id):
                seen.add(field_id)
                yield (number, field_id, rest[1:-1])
                continue
        yield MalformedLine(number, text)


def _is_field_id(text: str) -> bool:
    return len(text) == 14 and FIELD_ID.fullmatch(text) is not None


def field_at_start(text: str) -> str | None:
    """The field id an unreadable line starts with (``S21.G00.40.007,'01``), if any."""
    found = FIELD_ID.match(text)
    return found.group() if found else None


def strip_bom(lines: Iterable[str]) -> tuple[bool, Iterator[str]]:
    """Whether the first line opens with a UTF-8 byte order mark, and the lines without it."""
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return False, lines
    bom = first.startswith(UTF8_BOM)
    return bom, chain([first[len(UTF8_BOM) :] if bom else first], lines)


def decoded_lines(stream: BinaryIO) -> io.TextIOWrapper:
    """Decoded text lines of a binary DSN stream, any line ending alike, read lazily.

    Lenient, as a platform receiving a file is: what the self-check refuses is read anyway.
    """
    return io.TextIOWrapper(stream, encoding=ENCODING, newline=None)


def read_lines(stream: BinaryIO) -> Iterator[str]:
    """Decoded lines of a binary DSN stream, without their LF, none longer than a bound.

    :class:`UnreadableFile` names the line where the bytes stop being DSN text: a NUL byte
    (a binary or UTF-16 file), a UTF-16 byte order mark, a carriage return alone (CR-only
    endings, which the platform does not take), a line past :data:`READ_BOUND`. The stream is
    read and judged by chunks, in C (a DSN has a million lines); a bad chunk is searched line
    by line for what to say.
    """
    carry = b""  # the start of a line the last chunk cut
    number = 0  # the lines yielded so far
    while chunk := stream.read(CHUNK):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        text, carry = data[:cut].decode(ENCODING), data[cut:]
        lines = text.split("\n")
        lines.pop()  # what follows the last LF: nothing
        if (
            "\x00" in text
            or text.count("\r") != text.count("\r\n")
            or len(carry) >= READ_BOUND
            or (lines and max(map(len, lines)) >= READ_BOUND)
            or (number == 0 and data.startswith(UTF16_BOMS_BYTES))
        ):
            refuse_unreadable([*lines, carry.decode(ENCODING)], number)
        number += len(lines)
        yield from lines
    if carry:
        last = carry.decode(ENCODING)
        refuse_unreadable([last], number)
        yield last


def refuse_unreadable(lines: list[str], before: int) -> None:
    """Raise :class:`UnreadableFile` on the first of ``lines`` (which follow line ``before``)
    that is no DSN text; the test of a chunk is this one's, for all its lines at once."""
    for number, line in enumerate(lines, start=before + 1):
        if (
            "\x00" in line
            or "\r" in line[:-1]
            or len(line) >= READ_BOUND
            or (number == 1 and line.startswith(UTF16_BOMS))
        ):
            raise UnreadableFile(why_unreadable(line), line=number)


def why_unreadable(line: str) -> str:
    """Why a line read by :func:`read_lines` is no DSN text, in French."""
    # UTF-16 text in a Latin script: every other byte NUL, the others not
    imbalance = abs(line[1::2].count("\x00") - line[::2].count("\x00"))
    if line.startswith(UTF16_BOMS) or imbalance * 4 >= len(line) > 1:
        return (
            "fichier encodé en UTF-16 alors qu'une DSN l'est en ISO-8859-1 : "
            "réenregistrez-le dans cet encodage"
        )
    if "\x00" in line:
        return "fichier binaire (octet nul) : ce n'est pas un fichier DSN"
    if "\r" in line[:-1]:
        return (
            "fins de ligne CR seules : les lignes d'une DSN finissent par LF ou CRLF, "
            "réenregistrez le fichier ainsi"
        )
    return (
        f"ligne de plus de {READ_BOUND} caractères sans fin de ligne (256 au plus dans la "
        "norme) : ce n'est pas un fichier DSN"
    )


def encode_lines(lines: Iterable[str], newline: str = "\n") -> bytes:
    """Encode lines as a DSN file; a character outside ISO-8859-1 raises ``UnicodeEncodeError``."""
    return "".join(line + newline for line in lines).encode(ENCODING)


def format_line(field_id: str, value: str) -> str:
    """The text of one line."""
    return f"{field_id},'{value}'"
