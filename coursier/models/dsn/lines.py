"""DSN lines: ``S21.G00.30.001,'1850575123456'``, one field a line (NEODeS cahier technique §2).

Files are ISO-8859-1 with LF or CRLF endings. The value lies between the first quote after the
comma and the *last* quote of the line, because values may hold quotes themselves (``N'DIAYE``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO, NamedTuple

ENCODING = "iso-8859-1"
MAX_LINE_LENGTH = 256

FIELD_ID = re.compile(r"S\d{2}\.G\d{2}\.\d{2}\.\d{3}")


class Line(NamedTuple):
    """One well-formed line: its number in the file (from 1), field id and raw value.

    Tuples rather than dataclasses: a monthly DSN has about a million lines.
    """

    number: int
    field_id: str
    value: str

    @property
    def block_id(self) -> str:
        return self.field_id[:10]


class MalformedLine(NamedTuple):
    """A line that is not ``Sxx.Gxx.xx.xxx,'value'``, kept as read so that it can be reported."""

    number: int
    text: str


def tokenize(lines: Iterable[str]) -> Iterator[Line | MalformedLine]:
    """Number and split decoded lines; end-of-line characters are dropped, blank lines kept.

    The hot loop of every DSN read: each distinct field id is matched against the pattern once
    per file (a file has a few hundred of them, and up to a million lines), and lines are built
    with ``tuple.__new__``, half the cost of a named tuple's own constructor.
    """
    seen: set[str] = set()
    new_line = tuple.__new__
    for number, text in enumerate(lines, start=1):
        text = text.rstrip("\r\n")
        field_id, comma, rest = text.partition(",")
        if comma and len(rest) >= 2 and rest[0] == "'" and rest[-1] == "'":
            if field_id in seen:
                yield new_line(Line, (number, field_id, rest[1:-1]))
                continue
            if _is_field_id(field_id):
                seen.add(field_id)
                yield new_line(Line, (number, field_id, rest[1:-1]))
                continue
        yield MalformedLine(number, text)


def _is_field_id(text: str) -> bool:
    return len(text) == 14 and FIELD_ID.fullmatch(text) is not None


def decoded_lines(stream: BinaryIO) -> io.TextIOWrapper:
    """Decoded text lines of a binary DSN stream, CRLF and LF alike, read lazily."""
    return io.TextIOWrapper(stream, encoding=ENCODING, newline=None)


def encode_lines(lines: Iterable[str], newline: str = "\n") -> bytes:
    """Encode lines as a DSN file; a character outside ISO-8859-1 raises ``UnicodeEncodeError``."""
    return "".join(line + newline for line in lines).encode(ENCODING)


def format_line(field_id: str, value: str) -> str:
    """The text of one line."""
    return f"{field_id},'{value}'"
