"""What the control table needs from a signal besides the self-check's summary: its dates.

A sick-leave signal runs from the last day worked to the expected end; an end-of-contract
signal ends on the contract's end date. A monthly DSN has no such period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from coursier.models.dsn.records import ContractEnd, Record, SickLeave

SIGNAL_NATURES = frozenset({"04", "05", "07"})


def event_period(records: Iterable[Record]) -> tuple[date | None, date | None]:
    """The first event's (start, end) in a signal's records; (None, None) when it has none."""
    for record in records:
        if isinstance(record, SickLeave):
            return record.last_day_worked, record.expected_end or record.return_date
        if isinstance(record, ContractEnd):
            return None, record.end_date
    return None, None
