"""Employees of a Securex company drawn from a seed: the same seed, company and count give the
same people, so a test or the benchmark can fill Securex and Payflip alike.

The records are Securex's export (camelCase JSON) with what the HR file holds beyond the synced
fields (national number, address, birth date) — the connector keeps only the synced ones.
``invalid_every``: every n-th employee carries a row Payflip cannot take, in turn a missing
e-mail, an e-mail that is no address, and a negative gross salary. ``changed_every``: every
n-th employee got a raise since the draw (what a Payflip filled from the same draw lacks).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Leroy", "Simon",
)  # fmt: skip
FIRST_NAMES = (
    "Lucas", "Emma", "Noah", "Olivia", "Louis", "Louise", "Arthur", "Mila", "Jules",
    "Elena", "Victor", "Marie", "Liam", "Lina", "Adam", "Alice",
)  # fmt: skip
LANGUAGES = ("nl", "fr", "en", "de")
REGIMES = (100.0, 100.0, 100.0, 80.0, 50.0)
INVALID_KINDS = ("no_email", "bad_email", "bad_salary")


def employee_number(index: int) -> str:
    return f"{index:06d}"


def person(rng: random.Random, vat: str, index: int) -> dict[str, object]:
    """Employee ``index`` (1-based) of the company, drawn from ``rng``."""
    last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
    local = f"{first}.{last}".lower().replace(" ", "")
    return {
        "employeeNumber": employee_number(index),
        "lastName": last,
        "firstName": first,
        "email": f"{local}.{index}@{vat.lower()}.example.be",
        "language": rng.choice(LANGUAGES),
        "startDate": (date(2015, 1, 1) + timedelta(days=rng.randrange(4000))).isoformat(),
        "grossSalary": round(rng.uniform(2000, 6500), 2),
        "workRegime": rng.choice(REGIMES),
        "employerSocialSecurityRate": rng.choice((25.0, 27.0)),
        "nationalNumber": f"85{rng.randrange(10**9):09d}",
        "birthDate": (date(1960, 1, 1) + timedelta(days=rng.randrange(15000))).isoformat(),
        "address": {"street": "Rue de la Loi", "number": str(index % 200 + 1), "zip": "1000"},
    }


def people(
    seed: int, vat: str, count: int, invalid_every: int = 0, changed_every: int = 0
) -> list[dict[str, object]]:
    """``count`` employees of company ``vat``; every ``changed_every``-th one with a raise,
    every ``invalid_every``-th one made invalid."""
    rng = random.Random(f"securex:{seed}:{vat}")  # noqa: S311 - reproducible data
    found = [person(rng, vat, index) for index in range(1, count + 1)]
    if changed_every:
        for record in found[changed_every - 1 :: changed_every]:
            record["grossSalary"] = round(float(record["grossSalary"]) + 100, 2)
    if invalid_every:
        for turn, record in enumerate(found[invalid_every - 1 :: invalid_every]):
            spoil(record, INVALID_KINDS[turn % len(INVALID_KINDS)])
    return found


def spoil(record: dict[str, object], kind: str) -> None:
    """Make ``record`` invalid in one of the ways of :data:`INVALID_KINDS`."""
    if kind == "no_email":
        record["email"] = None
    elif kind == "bad_email":
        record["email"] = f"{record['lastName']}-at-nowhere".lower()
    elif kind == "bad_salary":
        record["grossSalary"] = -1.0
    else:
        raise ValueError(f"invalidité inconnue {kind!r} : une de {', '.join(INVALID_KINDS)}")
