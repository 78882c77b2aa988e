"""DSN writer: records in, lines out; the S90 totals are computed, never taken from the caller.

``S90.G00.90.001`` counts every line of the file, the S10 lines and both S90 lines included
(a wrong count is a classic rejection); ``.002`` counts the S20 declarations. A lot
(:func:`write_lot`) wraps whole DSN in its envelope, whose counts are computed too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from coursier.models.dsn.lines import encode_lines, format_line
from coursier.models.dsn.lots import LOT_NORM_VERSION
from coursier.models.dsn.records import (
    MAPPINGS,
    Declaration,
    GroupEnd,
    GroupHeader,
    LotEnd,
    LotHeader,
    Record,
    Totals,
)
from coursier.models.dsn.values import encode

TOTALS_LINES = 2


def record_lines(record: Record) -> list[str]:
    """The lines of one record, in field order (mapped attributes and ``extra`` merged)."""
    block = record.block_id
    values = dict(record.extra)
    for field in MAPPINGS.get(block, ()):
        value = getattr(record, field.attribute)
        if value is not None:
            values[f"{block}.{field.number}"] = encode(value)
    return [format_line(field_id, values[field_id]) for field_id in sorted(values)]


def write(records: Iterable[Record]) -> Iterator[str]:
    """The lines of a whole file; any :class:`Totals` given is replaced by computed totals."""
    count = 0
    declarations = 0
    for record in records:
        if isinstance(record, Totals):
            continue
        declarations += isinstance(record, Declaration)
        for line in record_lines(record):
            count += 1
            yield line
    yield from record_lines(Totals(line_count=count + TOTALS_LINES, declaration_count=declarations))


def write_bytes(records: Iterable[Record], newline: str = "\n") -> bytes:
    """A whole file, encoded ISO-8859-1 with ``newline`` line ends (``"\\r\\n"`` for CRLF)."""
    return encode_lines(write(records), newline)


@dataclass(frozen=True)
class LotGroup:
    """A group of a lot: its code and its declarations, each the records of one DSN."""

    code: str
    declarations: Iterable[Iterable[Record]]


def write_lot(groups: Sequence[LotGroup], number: str, created: datetime) -> Iterator[str]:
    """The lines of a lot: its envelope around each group's DSN, written by :func:`write`."""
    header = LotHeader(
        norm_version=LOT_NORM_VERSION,
        number=number,
        lot_type="01",
        created_on=created.date(),
        created_at=f"{created:%H%M%S}",
        group_count=len(groups),
    )
    yield from record_lines(header)
    for group in groups:
        yield from record_lines(GroupHeader(code=group.code))
        count = 0
        for records in group.declarations:
            count += 1
            yield from write(records)
        yield from record_lines(GroupEnd(marker="FIN", declaration_count=count))
    yield from record_lines(LotEnd(number=number, group_count=len(groups)))


def write_lot_bytes(
    groups: Sequence[LotGroup], number: str, created: datetime, newline: str = "\n"
) -> bytes:
    """A whole lot, encoded as :func:`write_bytes` encodes one DSN."""
    return encode_lines(write_lot(groups, number, created), newline)
