"""The state of the Payflip sandbox: its API keys, companies (entities) and their employees.

An e-mail address is one Payflip account across every company: an employee moved to another
entity keeps his address, and creating him there is refused as "account exists" (the seed's
entity change). Every create and update received is counted per employee, so that a test can
assert that a run wrote nothing, or an employee once. One lock: uvicorn's threads and tests.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

from stdnum.be import vat as be_vat

from coursier.sandbox.clock import Clock
from coursier.sandbox.faults import FaultBoard

#: Companies every Payflip sandbox starts with (VAT as typed in "Informations de l'entreprise").
SEEDED_COMPANIES = (("BE0403.170.701", "Boulangerie Peeters"), ("BE 0202 239 951", "Garage Maes"))
SYNCED = (
    "employeeNumber",
    "lastName",
    "firstName",
    "email",
    "language",
    "startDate",
    "grossSalary",
    "workRegime",
    "employerSocialSecurityRate",
)
#: What Payflip holds that the sync never sets: exit dates, salary components, budgets, invitations.
UNSYNCED_DEFAULTS: dict[str, object] = {
    "exitDate": None,
    "salaryComponents": [],
    "budget": None,
    "invitationStatus": "not_invited",
}


@dataclass
class Company:
    id: str
    vat: str
    name: str
    employees: dict[str, dict[str, object]] = field(default_factory=dict)  # id → record
    by_number: dict[str, str] = field(default_factory=dict)  # employee number → id


def vat_digits(text: str) -> str:
    """A VAT number as Payflip matches it: its digits, BE, dots and spaces dropped."""
    return be_vat.compact(text)


@dataclass
class PayflipState:
    name: str
    seed: int
    clock: Clock
    fault_routes: tuple[str, ...] = field(kw_only=True)

    def __post_init__(self) -> None:
        self.faults = FaultBoard(self.seed, self.name, self.fault_routes)
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.api_key = f"pf-{secrets.token_hex(16)}"
            self.companies: dict[str, Company] = {}
            self._accounts: dict[str, tuple[str, str]] = {}  # e-mail → (company, employee id)
            self._next_id = 0
            self.creates: Counter[tuple[str, str]] = Counter()
            self.updates: Counter[tuple[str, str]] = Counter()
            self.lookups: list[set[str]] = []  # the employee numbers of each filtered read
            for vat, name in SEEDED_COMPANIES:
                self.add_company(vat, name)
            self.faults.clear()

    def key_ok(self, key: str) -> bool:
        return secrets.compare_digest(key, self.api_key)

    # Companies ------------------------------------------------------------------------------

    def add_company(self, vat: str, name: str, employees: list[dict[str, object]] = ()) -> Company:
        """A new company (entity) holding ``employees`` already synced (synced fields taken
        from each record, the others at their defaults)."""
        with self._lock:
            company = Company(f"co-{len(self.companies) + 1}", vat, name)
            self.companies[company.id] = company
            for record in employees:
                self._insert(company, {k: record.get(k) for k in SYNCED})
            return company

    def company_by_vat(self, vat: str) -> Company | None:
        with self._lock:
            digits = vat_digits(vat)
            return next((c for c in self.companies.values() if vat_digits(c.vat) == digits), None)

    def company(self, company_id: str) -> Company | None:
        with self._lock:
            return self.companies.get(company_id)

    def employee(self, company_id: str, number: str) -> dict[str, object] | None:
        with self._lock:
            company = self.companies[company_id]
            found = company.by_number.get(number)
            return company.employees[found] if found else None

    def page(
        self, company: Company, page: int, size: int, numbers: set[str], emails: set[str]
    ) -> tuple[list[dict[str, object]], int]:
        """One page (1-based) of the company's employees, copied, and how many there are in
        all; only those with one of ``numbers`` or ``emails`` (lowercase) when either is given."""
        start = (page - 1) * size
        with self._lock:
            if not (numbers or emails):  # a plain page: no copy of the whole company
                chosen = list(islice(company.employees.values(), start, start + size))
                return [_copy(r) for r in chosen], len(company.employees)
            self.lookups.append(set(numbers))
            records = [
                r
                for r in company.employees.values()
                if r["employeeNumber"] in numbers or str(r.get("email") or "").lower() in emails
            ]
            return [_copy(r) for r in records[start : start + size]], len(records)

    def received(self) -> dict[str, object]:
        """How many creates and updates arrived, and the employees created more than once."""
        with self._lock:
            return {
                "creates": sum(self.creates.values()),
                "updates": sum(self.updates.values()),
                "created_twice": sorted(n for (_, n), c in self.creates.items() if c > 1),
            }

    # Writes ---------------------------------------------------------------------------------

    def _insert(self, company: Company, synced: dict[str, object]) -> dict[str, object]:
        self._next_id += 1
        record = {"id": f"emp-{self._next_id}", **synced, **_copy(UNSYNCED_DEFAULTS)}
        company.employees[record["id"]] = record
        company.by_number[str(synced["employeeNumber"])] = record["id"]
        if synced.get("email"):
            self._accounts[str(synced["email"]).lower()] = (company.id, record["id"])
        return record

    def create(self, company: Company, row: dict[str, object]) -> dict[str, object]:
        """Create one employee; the result row (``created`` with its id, or ``error``)."""
        number = str(row.get("employeeNumber") or "")
        with self._lock:
            self.creates[(company.id, number)] += 1
            problem = row_problem(row, creating=True) or self._conflict(company, row, None)
            if problem is not None:
                return {"employeeNumber": number, "status": "error", **problem}
            record = self._insert(company, {k: row.get(k) for k in SYNCED})
            return {"employeeNumber": number, "status": "created", "id": record["id"]}

    def update(self, company: Company, change: dict[str, object]) -> dict[str, object]:
        """Change the fields of one employee; the result row."""
        employee_id = str(change.get("id") or "")
        fields = change.get("fields") if isinstance(change.get("fields"), dict) else {}
        with self._lock:
            record = company.employees.get(employee_id)
            if record is None:
                return {
                    "id": employee_id,
                    "status": "error",
                    **_error("not_found", "Employé inconnu"),
                }
            self.updates[(company.id, str(record["employeeNumber"]))] += 1
            unknown = sorted(set(fields) - set(SYNCED) - {"employeeNumber"})
            if unknown:
                message = f"Champs non modifiables par l'intégration : {', '.join(unknown)}"
                return {"id": employee_id, "status": "error", **_error("invalid_field", message)}
            merged = {**record, **fields}
            problem = row_problem(merged, creating=False) or self._conflict(
                company, merged, employee_id
            )
            if problem is not None:
                return {"id": employee_id, "status": "error", **problem}
            old = str(record.get("email") or "").lower()
            record.update(fields)
            new = str(record.get("email") or "").lower()
            if old != new:
                self._accounts.pop(old, None)
                if new:
                    self._accounts[new] = (company.id, employee_id)
            return {"id": employee_id, "status": "updated"}

    def _conflict(
        self, company: Company, row: dict[str, object], self_id: str | None
    ) -> dict[str, str] | None:
        number = str(row.get("employeeNumber"))
        if self_id is None and number in company.by_number:
            return _error("duplicate_employee", f"Le numéro d'employé {number} existe déjà")
        owner = self._accounts.get(str(row.get("email") or "").lower())
        if owner is None or owner == (company.id, self_id):
            return None
        if owner[0] != company.id:
            return _error(
                "account_exists",
                "Un compte Payflip existe déjà pour cette adresse e-mail (dans une autre entité)",
            )
        return _error("email_taken", "Adresse e-mail déjà utilisée par un autre employé")


def row_problem(row: dict[str, object], *, creating: bool) -> dict[str, str] | None:
    """Payflip's own checks of an employee row (it trusts no integration)."""
    for name in ("employeeNumber", "lastName", "firstName"):
        if not row.get(name):
            return _error("invalid_row", f"Champ obligatoire manquant : {name}")
    email = row.get("email")
    if not isinstance(email, str) or "@" not in email or " " in email.strip():
        return _error("invalid_email", "Adresse e-mail manquante ou invalide")
    if creating and row.get("language") not in ("nl", "fr", "en", "de"):
        return _error("invalid_row", "Langue inconnue (nl, fr, en, de)")
    for name, low, high in (
        ("grossSalary", 0, 10**7),
        ("workRegime", 0.01, 100),
        ("employerSocialSecurityRate", 0, 100),
    ):
        value = row.get(name)
        if not isinstance(value, int | float) or not low <= value <= high:
            return _error("invalid_salary", f"Donnée salariale invalide : {name}")
    return None


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _copy(values: dict[str, object]) -> dict[str, object]:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in values.items()}
