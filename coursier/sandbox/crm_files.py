"""Monthly DSN for the PAS scenarios: employees known by a temporary number (NTT), and the next
month's file that applies the rates a CRM nominatif transmitted, as a payroll software does.

Used by the tests, the demo and the PAS benchmark to drive the sandbox's CRM (:mod:`.crm_returns`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal

from coursier.models.dsn import samples
from coursier.models.dsn.records import Employee, PayLine, Record
from coursier.models.returns.crm import CrmNominatif

#: A temporary number's digits are the sandbox's own: 23 (an NTT's prefix) then the index.
NTT_PREFIX = "2333"


def ntt_of(index: int) -> str:
    return f"{NTT_PREFIX}{index:07d}"


def pas_month(
    employer: samples.Employer,
    month: date,
    employees: int,
    *,
    seed: int = 0,
    ntt_every: int = 0,
    applying: Mapping[str, tuple[str, Decimal | None]] | None = None,
) -> Iterator[Record]:
    """A monthly DSN whose employee ``i`` has an NTT instead of a NIR when ``ntt_every``
    divides ``i + 1``; ``applying``: payroll number → (rate id, rate) put in its pay (type 01)."""
    index = -1
    current: str | None = None
    for record in samples.monthly_dsn(employer, month, employees, seed=seed):
        if isinstance(record, Employee):
            index += 1
            current = record.payroll_number
            if ntt_every and (index + 1) % ntt_every == 0:
                record = dataclasses.replace(record, nir=None, ntt=ntt_of(index))
        elif isinstance(record, PayLine) and applying and current in applying:
            rate_id, rate = applying[current]
            record = dataclasses.replace(
                record, rate=rate if rate is not None else record.rate, rate_id=rate_id
            )
        yield record


def rates_applied(crm: CrmNominatif) -> dict[str, tuple[str, Decimal | None]]:
    """Payroll number → (rate id, rate) of a CRM nominatif, as next month's pay applies them."""
    return {r.payroll_number: (crm.rate_id, r.rate) for r in crm.rates if r.payroll_number}


def with_rate(
    applied: Mapping[str, tuple[str, Decimal | None]], payroll_number: str, rate: Decimal
) -> dict[str, tuple[str, Decimal | None]]:
    """The same rates, one employee's replaced by ``rate`` (under the same identifier)."""
    return {**applied, payroll_number: (applied[payroll_number][0], rate)}
