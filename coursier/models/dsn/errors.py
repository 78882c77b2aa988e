"""Errors of the strict DSN parser. Each carries the line number and, where it applies, the field.

The self-check never raises these: it reports anomalies instead (``checks``). The parser is for
files that passed the self-check, or that coursier wrote itself.
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
