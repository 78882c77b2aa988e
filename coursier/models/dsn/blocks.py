"""Grouping DSN lines into block instances.

A block (``S21.G00.30``, an employee) is the run of consecutive lines sharing its first ten
characters. A block repeats by starting again: when a field number does not grow, a new
instance begins (two employees in a row are two ``S21.G00.30`` runs, the second starting again
at ``.001``, or at ``.002`` for an employee known only by a temporary number).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from coursier.models.dsn.lines import Line, MalformedLine


@dataclass(slots=True)
class Block:
    """One instance of a block: its fields in file order and the line of each."""

    block_id: str
    first_line: int
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, number: str) -> str | None:
        """The value of field ``number`` (``"001"``) of this block, if present."""
        return self.values.get(f"{self.block_id}.{number}")

    def line_of(self, number: str) -> int:
        """The line of field ``number``, or the block's first line when it is absent."""
        return self.lines.get(f"{self.block_id}.{number}", self.first_line)


def group_blocks(items: Iterable[Line | MalformedLine]) -> Iterator[Block | MalformedLine]:
    """Assemble lines into blocks; malformed lines pass through between blocks untouched."""
    current: Block | None = None
    last_field = ""
    for item in items:
        if type(item) is MalformedLine:
            yield item
            continue
        number, field_id, value = item
        if current is not None and field_id[:10] == current.block_id and field_id > last_field:
            current.values[field_id] = value
            current.lines[field_id] = number
        else:
            if current is not None:
                yield current
            current = Block(field_id[:10], number, {field_id: value}, {field_id: number})
        last_field = field_id
    if current is not None:
        yield current
