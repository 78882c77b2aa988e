"""An employee as the HR sync sees him: the fields Securex syncs to Payflip, and their checks.

Synced (seed, "Quelles données font partie de l'intégration"): last name, first name, e-mail,
language, start date, employee number; gross salary, work regime (percentage of a full time),
employer social-security percentage. Anything else of either side (exit dates, salary
components, budgets, invitations, a Securex national number) is not read into this type, so it
can never be written. Both APIs name the fields alike (:data:`WIRE`).

Reading (:func:`from_record`) is lenient — texts stripped, numbers rounded to the cent, what
cannot be read kept as None — so that one bad field fails its employee with a message, not the
run. :func:`check` says what Payflip would refuse; the sync runs it on the employees it is about
to write: an unchanged one holds what Payflip already accepted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from coursier.models.hr_failures import Failure, failure

LANGUAGES = ("nl", "fr", "en", "de")
WIRE = {
    "last_name": "lastName",
    "first_name": "firstName",
    "email": "email",
    "language": "language",
    "start_date": "startDate",
    "gross_salary": "grossSalary",
    "work_regime": "workRegime",
    "employer_ss_rate": "employerSocialSecurityRate",
}
NUMBER = "employeeNumber"
#: What an update compares: every synced field but the language, set only on creation.
COMPARED = tuple(name for name in WIRE if name != "language")
NUMERIC = frozenset({"gross_salary", "work_regime", "employer_ss_rate"})


@dataclass(frozen=True, slots=True)
class Employee:
    number: str
    last_name: str | None = None
    first_name: str | None = None
    email: str | None = None
    language: str | None = None
    start_date: str | None = None
    gross_salary: float | None = None
    work_regime: float | None = None
    employer_ss_rate: float | None = None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or "?"

    def wire(self, fields: tuple[str, ...] = tuple(WIRE)) -> dict[str, object]:
        """The record Payflip takes: the employee number and ``fields``."""
        return {NUMBER: self.number, **{WIRE[f]: getattr(self, f) for f in fields}}

    def with_changes(self, **changes: object) -> Employee:
        return dataclasses.replace(self, **changes)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = (value if type(value) is str else str(value)).strip()
    return text or None


def _amount(value: object) -> float | None:
    if type(value) is float:  # the usual case, first: 100,000 employees a night
        return round(value, 2)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return round(float(value), 2)
    except ValueError:
        return None


def from_record(record: Mapping[str, object]) -> Employee:
    """The synced fields of a Securex or Payflip record, read leniently (the keys of
    :data:`WIRE`, spelt out: this runs for every employee of both sides, every night)."""
    get = record.get
    language = _text(get("language"))
    return Employee(
        _text(get(NUMBER)) or "",
        _text(get("lastName")),
        _text(get("firstName")),
        _text(get("email")),
        language.lower() if language else None,
        _text(get("startDate")),
        _amount(get("grossSalary")),
        _amount(get("workRegime")),
        _amount(get("employerSocialSecurityRate")),
    )


def changes(source: Employee, target: Employee) -> tuple[str, ...]:
    """The compared fields whose value differs (an e-mail compared without case)."""
    found = []
    for name in COMPARED:
        mine, theirs = getattr(source, name), getattr(target, name)
        if name == "email" and mine and theirs:
            mine, theirs = mine.lower(), theirs.lower()
        if mine != theirs:
            found.append(name)
    return tuple(found)


def check(employee: Employee, *, creating: bool) -> Failure | None:
    """What Payflip would refuse in ``employee`` (the language only when creating), or None."""

    def failed(code: str, detail: str = "") -> Failure:
        return failure(employee.number, employee.name, employee.email, code, detail)

    if not employee.email:
        return failed("email_missing")
    try:
        validate_email(employee.email, check_deliverability=False)
    except EmailNotValidError as error:
        return failed("email_invalid", f"{employee.email!r} ({error})")
    missing = [
        label
        for label, value in (("nom", employee.last_name), ("prénom", employee.first_name))
        if not value
    ]
    if missing:
        return failed("invalid_row", f"{' et '.join(missing)} manquant(s)")
    if not _is_date(employee.start_date):
        return failed("invalid_row", f"date d'entrée en service {employee.start_date!r} illisible")
    if creating and employee.language not in LANGUAGES:
        return failed(
            "invalid_row", f"langue {employee.language!r} : une de {', '.join(LANGUAGES)}"
        )
    return _salary_problem(employee, failed)


def _salary_problem(employee: Employee, failed) -> Failure | None:
    salary, regime, rate = employee.gross_salary, employee.work_regime, employee.employer_ss_rate
    if salary is None or salary < 0:
        return failed("salary_invalid", f"salaire brut {salary!r} : un montant positif")
    if regime is None or not 0 < regime <= 100:
        return failed("salary_invalid", f"régime de travail {regime!r} : de 0 à 100 %")
    if rate is None or not 0 <= rate <= 100:
        return failed("salary_invalid", f"% ONSS patronale {rate!r} : de 0 à 100")
    return None


def _is_date(text: str | None) -> bool:
    try:
        date.fromisoformat(text or "")
    except ValueError:
        return False
    return True
