"""Lots (norme de lot V01R02): several DSN in one file, as payroll suites write them.

    S05.G51.00  lot header (norm version, lot number, number of groups)
    S06.G51.00  group header (group code)
      S10 … S90   one DSN, then the next, each complete with its own S90 totals
    S96.G51.00  end of group (number of DSN in the group)
    S95.G51.00  end of lot (lot number and number of groups, again)

A DSN of a lot begins on an ``S10.`` line that does not follow another one and ends where the
next DSN or envelope line begins; lines between an envelope line and the next ``S10.`` line
belong to no DSN. :func:`split_lot` cuts bytes by that rule and the self-check reads lots by it
(``checks.lot``), so that both always see the same declarations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coursier.models.dsn.lines import ENCODING, is_line, tokenize

LOT_NORM_VERSION = "V01R02"
LOT_HEADER, GROUP_HEADER, GROUP_END, LOT_END = (
    "S05.G51.00",
    "S06.G51.00",
    "S96.G51.00",
    "S95.G51.00",
)
ENVELOPE_PREFIXES = tuple(f"{block}." for block in (LOT_HEADER, GROUP_HEADER, GROUP_END, LOT_END))
DECLARATION_START = "S10."
LOT_NUMBER, GROUP_CODE = "S05.G51.00.002", "S06.G51.00.001"
#: The lines that matter to cutting a lot: envelope lines and S10 lines, at a line start.
_CUT_LINE = re.compile(rb"^(?:S10\.|S0[56]\.G51\.00\.|S9[56]\.G51\.00\.)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class LotPlace:
    """Where a declaration stands in its lot: the lot's number (S05.G51.00.002), the code of its
    group (S06.G51.00.001), and its rank in the lot, from 1. Numbers a lot lacks are ``None``."""

    number: str | None
    group: str | None
    position: int

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "group": self.group, "position": self.position}


@dataclass(frozen=True, slots=True)
class LotDeclaration:
    """One declaration of a lot: its place, the lot file's line it starts on, its exact bytes."""

    lot: LotPlace | None  # None for a file that is a single DSN
    first_line: int
    data: bytes


class LotPlaces:
    """The places of a lot's declarations, from its well-formed envelope lines in file order:
    the number is the first S05.G51.00.002, the group the last S06.G51.00.001 not yet closed by
    an S96 line. Both the cutting and the check of a lot feed one, so that they agree."""

    def __init__(self) -> None:
        self.number: str | None = None
        self.group: str | None = None
        self.count = 0

    def envelope_line(self, field_id: str, value: str) -> None:
        if field_id == LOT_NUMBER:
            self.number = value if self.number is None else self.number
        elif field_id == GROUP_CODE:
            self.group = value
        elif field_id.startswith(GROUP_END):
            self.group = None

    def declaration(self) -> LotPlace:
        """The place of the declaration that starts now."""
        self.count += 1
        return LotPlace(self.number, self.group, self.count)


def is_envelope_line(text: str) -> bool:
    """Whether a line (or a field id) belongs to the lot envelope."""
    return text.startswith(ENVELOPE_PREFIXES)


def is_lot(first_line: str) -> bool:
    """Whether a file whose first line is ``first_line`` is a lot (it opens with its envelope)."""
    return is_envelope_line(first_line)


def split_lot(data: bytes) -> list[LotDeclaration]:
    """The declarations of a lot, each a byte-identical slice of ``data``, in file order.

    A file that is a single DSN gives one declaration, itself, without a lot place. Only the
    envelope and S10 lines are looked at (a regular expression finds them), so that cutting a
    lot costs a fraction of reading it.
    """
    head = data[:11].decode(ENCODING)
    if not is_lot(head):
        return [LotDeclaration(None, 1, data)]
    found: list[LotDeclaration] = []
    places = LotPlaces()
    start: int | None = None  # where the open declaration begins
    start_line = line = 1
    counted = 0  # ``line`` is the number of the line starting at ``counted``
    previous_end = -1  # where the last S10 line found ends, to see S10 lines follow each other

    def close(end: int) -> None:
        if start is not None:
            found.append(LotDeclaration(places.declaration(), start_line, data[start:end]))

    for match in _CUT_LINE.finditer(data):
        begin = match.start()
        end_of_line = data.find(b"\n", begin) + 1 or len(data)
        if match.group() == b"S10.":
            if begin != previous_end:
                close(begin)
                line += data.count(b"\n", counted, begin)
                counted, start, start_line = begin, begin, line
            previous_end = end_of_line
            continue
        close(begin)
        start, previous_end = None, -1
        [item] = tokenize([data[begin:end_of_line].decode(ENCODING)])
        if is_line(item):
            places.envelope_line(item[1], item[2])
    close(len(data))
    return found
