"""What a DSN must contain: mandatory fields per block and per nature, mandatory blocks.

The norm's YAML cannot say it (its ``minOccurs`` are all 1, PROTOCOLS.md §2), so the rules are
written here from the cahier technique. ``S10.G00.00.006`` (norm version) is left out: its
absence is reported by the choice of the norm, with what the check fell back on.
"""

from __future__ import annotations

import calendar
from datetime import date

MANDATORY_FIELDS: dict[str, tuple[str, ...]] = {
    "S10.G00.00": ("001", "002", "003", "005", "007", "008"),
    "S10.G00.01": ("001", "002", "003"),
    "S20.G00.05": ("001", "002", "005"),
    "S21.G00.06": ("001",),
    "S21.G00.11": ("001",),
    # S21.G00.30.001 (NIR) or .020 (NTT): checked by the employee handler
    "S21.G00.30": ("002", "004"),
    "S21.G00.40": ("001", "007", "009"),
    "S90.G00.90": ("001", "002"),
}

#: Sick-leave signals need the stoppage, FCTU signals the end of contract.
NATURE_MANDATORY_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "04": {"S21.G00.60": ("001", "002")},
    "07": {"S21.G00.62": ("001", "002")},
}
EVENT_BLOCK_OF_NATURE: dict[str, str] = {
    nature: next(iter(blocks)) for nature, blocks in NATURE_MANDATORY_FIELDS.items()
}
#: The date that places a sick leave (last day worked) or an end of contract in a month.
EVENT_DATE_FIELD = {"S21.G00.60": "S21.G00.60.002", "S21.G00.62": "S21.G00.62.001"}

#: S10.G00.00 and S90.G00.90 are left out: a file without them does not start with S10 or is
#: cut short, and says so.
REQUIRED_BLOCKS = ("S10.G00.01", "S20.G00.05", "S21.G00.06", "S21.G00.11")


def month_end(month: date) -> date:
    """The last day of the month of ``month``."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])
