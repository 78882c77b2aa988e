"""What the control table and the ledger need from a file besides the self-check's summary:
a signal's dates, and the declaration's identifiant métier and order number.

A sick-leave signal runs from the last day worked to the expected end; an end-of-contract
signal ends on the contract's end date. A monthly DSN has no such period. The identifiant
métier (S20.G00.05.009, chosen by the payroll software) and the order number (S20.G00.05.004)
come back in the bilans: they confirm which file a listed deposit was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DeclarationKeys:
    business_id: str | None = None  # S20.G00.05.009
    order_number: str | None = None  # S20.G00.05.004


_KEYS = {"S20.G00.05.009,": "business_id", "S20.G00.05.004,": "order_number"}


def declaration_keys(lines: Iterable[str]) -> DeclarationKeys:
    """The first declaration's identifiant métier and order number, read from raw lines."""
    found: dict[str, str] = {}
    for line in lines:
        name = _KEYS.get(line[:15])
        if name and name not in found:
            value = line[15:].strip()
            if len(value) >= 2 and value[0] == value[-1] == "'":
                value = value[1:-1]
            if value:
                found[name] = value
        if len(found) == len(_KEYS) or line.startswith("S21."):
            break
    return DeclarationKeys(**found)
