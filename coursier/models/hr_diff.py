"""What the sync does per employee: create, update (which fields) or leave unchanged.

Securex is the master: each of its employees is matched with Payflip's by employee number, in
one pass over dicts (O(n), whatever the size of the company). An employee Payflip lacks is
created with every synced field, the language included; one it has is updated on the compared
fields that differ, never the language (Payflip's integrations set it on the first sync only)
and never anything the sync does not own — those are not even read (:mod:`.hr_employee`). An
employee only Payflip has (left Securex, another entity's) is left alone: exit dates are not
synced. Employees a check refuses (:func:`~.hr_employee.check`) fail alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from coursier.models.hr_employee import Employee, changes, check
from coursier.models.hr_failures import Failure, failure


@dataclass(frozen=True)
class Update:
    employee: Employee
    payflip_id: str
    fields: tuple[str, ...]


@dataclass
class Plan:
    creates: list[Employee] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: list[Employee] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def plan_sync(
    source: Iterable[Employee],
    target: Mapping[str, tuple[str, Employee]],
    only: frozenset[str] | None = None,
) -> Plan:
    """The plan for Securex's ``source`` against Payflip's ``target`` (employee number →
    (Payflip id, employee)); ``only``: the employee numbers to consider (a rerun of the
    failed ones), all when None."""
    plan = Plan()
    seen: set[str] = set()
    for employee in source:
        if only is not None and employee.number not in only:
            continue
        problem = _identity_problem(employee, seen)
        if problem is None:
            problem = _decide(plan, employee, target.get(employee.number))
        if problem is not None:
            plan.failures.append(problem)
    return plan


def _identity_problem(employee: Employee, seen: set[str]) -> Failure | None:
    if not employee.number:
        detail = "numéro d'employé manquant dans Securex"
        return failure("?", employee.name, employee.email, "invalid_row", detail)
    if employee.number in seen:
        detail = f"numéro d'employé {employee.number} en double dans Securex"
        return failure(employee.number, employee.name, employee.email, "invalid_row", detail)
    seen.add(employee.number)
    return None


def _decide(plan: Plan, employee: Employee, known: tuple[str, Employee] | None) -> Failure | None:
    if known is None:
        problem = check(employee, creating=True)
        if problem is None:
            plan.creates.append(employee)
        return problem
    payflip_id, current = known
    differing = changes(employee, current)
    if not differing:
        plan.unchanged.append(employee)
        return None
    problem = check(employee, creating=False)
    if problem is None:
        plan.updates.append(Update(employee, payflip_id, differing))
    return problem
