"""The state of the Securex sandbox: its API clients, the tokens it issued, its companies and
their employees (PROTOCOLS.md §4).

A token lives ``token_lifetime_s`` on the sandbox's clock and, when ``token_uses`` is set, for
that many API calls only: a test expires tokens in the middle of a run without sleeping.
Shared by uvicorn's threads and the tests (in process), hence one lock.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coursier.sandbox.clock import Clock
from coursier.sandbox.faults import FaultBoard
from coursier.sandbox.securex_people import people

#: The companies every Securex sandbox starts with: VAT (10 digits) → (name, employees).
SEEDED_COMPANIES = {"0403170701": ("Boulangerie Peeters", 25), "0202239951": ("Garage Maes", 12)}


@dataclass(frozen=True)
class ApiClient:
    """An application registered with the API: OAuth2 client and API Management key."""

    client_id: str
    client_secret: str
    subscription_key: str


@dataclass
class Token:
    expires_at: datetime
    uses_left: int | None


@dataclass
class Company:
    vat: str
    name: str
    employees: list[dict[str, object]] = field(default_factory=list)


@dataclass
class SecurexState:
    name: str
    seed: int
    clock: Clock
    token_lifetime_s: int = 3600
    fault_routes: tuple[str, ...] = field(kw_only=True)

    def __post_init__(self) -> None:
        self.faults = FaultBoard(self.seed, self.name, self.fault_routes)
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """The seeded client and companies, no token, no fault, the default token policy."""
        with self._lock:
            self.client = ApiClient(
                "coursier-sandbox", f"sx-secret-{secrets.token_hex(8)}", secrets.token_hex(16)
            )
            self.companies = {
                vat: Company(vat, name, people(self.seed, vat, count))
                for vat, (name, count) in SEEDED_COMPANIES.items()
            }
            self._tokens: dict[str, Token] = {}
            self.token_uses: int | None = None
            self.lifetime_s = self.token_lifetime_s
            self.token_requests = 0
            self.faults.clear()

    # Tokens ---------------------------------------------------------------------------------

    def issue_token(self, client_id: str, client_secret: str) -> tuple[str, int] | None:
        """A new token and its lifetime in seconds; None for an unknown client or secret."""
        with self._lock:
            self.token_requests += 1
            known = self.client
            if not (
                secrets.compare_digest(client_id, known.client_id)
                and secrets.compare_digest(client_secret, known.client_secret)
            ):
                return None
            value = secrets.token_urlsafe(24)
            expires = self.clock.now() + timedelta(seconds=self.lifetime_s)
            self._tokens[value] = Token(expires, self.token_uses)
            return value, self.lifetime_s

    def use_token(self, value: str) -> bool:
        """Whether ``value`` is a live token (one use fewer left, when counted)."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.expires_at <= self.clock.now():
                return False
            if token.uses_left is not None:
                if token.uses_left <= 0:
                    return False
                token.uses_left -= 1
            return True

    def subscription_ok(self, key: str) -> bool:
        return secrets.compare_digest(key, self.client.subscription_key)

    # Companies ------------------------------------------------------------------------------

    def add_company(self, vat: str, name: str, employees: list[dict[str, object]]) -> None:
        """Add a company, or replace the one with this VAT (10 digits)."""
        with self._lock:
            self.companies[vat] = Company(vat, name, employees)

    def company(self, vat: str) -> Company | None:
        with self._lock:
            return self.companies.get(vat)

    def employee(self, vat: str, number: str) -> dict[str, object]:
        """One employee's record, to change it in place (a test fixing the source)."""
        with self._lock:
            for record in self.companies[vat].employees:
                if record["employeeNumber"] == number:
                    return record
        raise KeyError(f"pas d'employé {number} chez {vat}")

    def page(self, vat: str, page: int, size: int) -> tuple[list[dict[str, object]], int]:
        """The employees of one page (1-based) and how many there are in all."""
        with self._lock:
            employees = self.companies[vat].employees
            return employees[(page - 1) * size : page * size], len(employees)
