"""Errors of the strict DSN parser and of the reader. Each carries the line number and, where it
applies, the field.

The self-check never raises the parser's errors: it reports anomalies instead (``checks``). The
parser is for files that passed the self-check, or that coursier wrote itself. Only
:class:`UnreadableFile` stops both: bytes that are no text lines at all (binary, UTF-16, CR-only
endings, a line past any bound) leave nothing to check.
"""

from __future__ import annotations


class ParseError(ValueError):
    """A DSN file could not be read as records."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        where = ", ".join(p for p in (f"ligne {line}" if line else "", field or "") if p)
        super().__init__(f"{where}: {message}" if where else message)


class MalformedLineError(ParseError):
    """A line is not ``Sxx.Gxx.xx.xxx,'value'``."""


class InvalidValueError(ParseError):
    """A value does not have its field's type (a date that does not exist, a bad number)."""


class UnreadableFile(ParseError):
    """The bytes are not ISO-8859-1 text lines with LF or CRLF endings: nothing to check."""
