"""Reading both sides of a company: every Securex employee (all pages), every Payflip one.

Only the synced fields are kept (:func:`coursier.models.hr_employee.from_record`); the rest of
either record is dropped as it is read, so a run over 100,000 employees holds two compact
lists, not two exports.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.models.hr_employee import Employee, from_record
from coursier.tasks.hr_activation import Active

PayflipSide = dict[str, tuple[str, Employee]]


@task(name="read-securex-employees", cache_policy=NO_CACHE)
def read_securex(active: Active) -> list[Employee]:
    """Every employee of the company in Securex, synced fields only, in Securex's order."""
    return [from_record(record) for page in active.securex.employees(active.vat) for record in page]


@task(name="read-payflip-employees", cache_policy=NO_CACHE)
def read_payflip(active: Active) -> PayflipSide:
    """The company's employees in Payflip by employee number: (Payflip id, synced fields)."""
    return payflip_side(
        record for page in active.payflip.employees(active.payflip_company) for record in page
    )


def payflip_side(records) -> PayflipSide:
    return {
        str(record["employeeNumber"]): (str(record["id"]), from_record(record))
        for record in records
        if record.get("employeeNumber") and record.get("id")
    }
