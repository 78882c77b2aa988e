"""Streaming DSN parser: lines in, typed records out, in file order, memory flat in file size.

    with path.open("rb") as stream:
        for record in parse(decoded_lines(stream)):
            ...

Context the file gives only by position is filled in: an :class:`Establishment` knows the
SIREN of the :class:`Company` above it, so that ``establishment.siret`` is complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from coursier.models.dsn.blocks import Block, group_blocks
from coursier.models.dsn.errors import InvalidValueError, MalformedLineError
from coursier.models.dsn.lines import MalformedLine, tokenize
from coursier.models.dsn.records import (
    MAPPINGS,
    RECORD_TYPES,
    Company,
    Establishment,
    OtherBlock,
    Record,
)
from coursier.models.dsn.values import decode


def parse(lines: Iterable[str]) -> Iterator[Record]:
    """Typed records of decoded DSN lines; :class:`ParseError` on the first unreadable line."""
    siren: str | None = None
    for item in group_blocks(tokenize(lines)):
        if type(item) is MalformedLine:
            raise MalformedLineError(
                f"ligne mal formée {item.text[:60]!r}, attendu Sxx.Gxx.xx.xxx,'valeur'",
                line=item.number,
            )
        record = to_record(item)
        if type(record) is Company:
            siren = record.siren
        elif type(record) is Establishment:
            record.siren = siren
        yield record


def to_record(block: Block) -> Record:
    """The typed record of one block instance."""
    record_type = RECORD_TYPES.get(block.block_id)
    if record_type is None:
        return OtherBlock(block=block.block_id, extra=dict(block.values), line=block.first_line)
    mapped = {}
    extra = dict(block.values)
    prefix = block.block_id + "."
    for field in MAPPINGS[block.block_id]:
        field_id = prefix + field.number
        text = extra.pop(field_id, None)
        if text is None:
            continue
        try:
            mapped[field.attribute] = decode(field.kind, text)
        except ValueError as exc:
            raise InvalidValueError(str(exc), line=block.lines[field_id], field=field_id) from None
    return record_type(**mapped, extra=extra, line=block.first_line)
