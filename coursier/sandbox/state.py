"""The state of one sandbox platform: accounts, tokens, deposits, returns, faults, clock.

Shared by the request handlers (uvicorn's threads) and the tests (in process), hence one lock.
Returns are stored with the time they become visible; a return overwritten later keeps its id,
gets a new version (its download URL changes: the old one answers 404) and a new publication
time, as the platform's returns do when an organisation replaces them.

Flux ids come from a generator seeded by the seed, the platform's name and a nonce drawn at
each start (and reset): a restarted sandbox never issues an idflux again, which a ledger kept
across runs would take for the same deposit. Tokens look like the official ones (base64 of an
``<xmlresult>``) with a random part drawn from ``secrets``; they stay opaque to the clients.
"""

from __future__ import annotations

import base64
import random
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from coursier.sandbox.accounts import Account, seeded_accounts
from coursier.sandbox.clock import Clock, http_date
from coursier.sandbox.crm_cuts import CrmCuts
from coursier.sandbox.crm_returns import IssuedRates
from coursier.sandbox.documents import PlannedReturn, ReturnDelays
from coursier.sandbox.faults import FaultBoard

IDFLUX_ALPHABET = string.ascii_letters + string.digits + "."
IDFLUX_LENGTH = 23


@dataclass(frozen=True)
class Deposit:
    """A deposit as received: who, when, what (hash and size of the decompressed file)."""

    idflux: str
    received_at: datetime
    account_siret: str
    sha256: str
    size: int
    declared_siret: str | None
    nature: str | None
    status: str  # OK (AEE) or KO (ARE)
    api_version: str
    concentrateur_siret: str | None = None  # the concentrateur that deposited it, if any

    def public(self) -> dict[str, object]:
        return {
            "idflux": self.idflux,
            "received_at": self.received_at.isoformat(),
            "account_siret": self.account_siret,
            "sha256": self.sha256,
            "size": self.size,
            "declared_siret": self.declared_siret,
            "nature": self.nature,
            "status": self.status,
            "api_version": self.api_version,
            "concentrateur_siret": self.concentrateur_siret,
        }


@dataclass(frozen=True)
class StoredReturn:
    idflux: str
    return_id: str
    nature: str
    kind: str
    status: str
    content: bytes
    media_type: str
    available_at: datetime
    produced_at: datetime
    version: int = 1

    def public(self) -> dict[str, object]:
        return {
            "idflux": self.idflux,
            "return_id": self.return_id,
            "nature": self.nature,
            "kind": self.kind,
            "status": self.status,
            "media_type": self.media_type,
            "available_at": self.available_at.isoformat(),
            "version": self.version,
            "size": len(self.content),
        }


@dataclass(frozen=True)
class Token:
    account_siret: str
    expires_at: datetime


class UnknownReturn(LookupError):
    pass


def _token_value(account: Account, lifetime_s: int, issued_at: datetime) -> str:
    """The official layout (recording 01), the random part where the simulator counts."""
    xml = (
        "<xmlresult><status>0</status><error_msg>Succes</error_msg><format>3</format>"
        f"<creation_time>{issued_at:%d/%m/%Y %H:%M:%S}({secrets.token_hex(16)})</creation_time>"
        f"<siret>{account.siret}</siret><ttl>{lifetime_s}</ttl>"
        f"<first_name>{escape(account.prenom)}</first_name>"
        f"<last_name>{escape(account.nom)}</last_name>"
        "</xmlresult>"
    )
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


@dataclass
class PlatformState:
    """``answer_backoff_s``: what every 200's ``Expires`` adds to the clock (the official
    platform says 120 s; the default keeps tests and benchmarks from waiting);
    ``fault_routes``: the routes its faults may name (its registration's)."""

    name: str
    seed: int
    clock: Clock
    delays: ReturnDelays = field(default_factory=ReturnDelays)
    token_lifetime_s: int = 3600
    answer_backoff_s: float = 0.0
    fault_routes: tuple[str, ...] = field(kw_only=True)

    def __post_init__(self) -> None:
        self.faults = FaultBoard(self.seed, self.name, self.fault_routes)
        self.crm_cuts = CrmCuts()  # the PAS returns' downloads cut per association
        self.issued_rates = IssuedRates()  # the PAS rates its CRM transmitted
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to the seeded accounts, with no token, deposit, return or fault."""
        with self._lock:
            self._accounts = {a.siret: a for a in seeded_accounts(self.seed)}
            self._tokens: dict[str, Token] = {}
            self._deposits: list[Deposit] = []
            self._by_flux: dict[str, Deposit] = {}
            self._returns: dict[str, list[StoredReturn]] = {}
            # Flux ids: seeded, with a nonce per start so that none is ever issued twice
            # (tokens, which guard access, come from ``secrets``).
            nonce = secrets.token_hex(8)
            self._flux_rng = random.Random(f"idflux:{self.seed}:{self.name}:{nonce}")  # noqa: S311
            self._return_counter = 0
            self.faults.clear()
            self.crm_cuts.clear()
            self.issued_rates.clear()

    # Accounts and tokens --------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        with self._lock:
            return list(self._accounts.values())

    def add_account(self, account: Account) -> None:
        """Add an account, or replace the one with the same SIRET."""
        with self._lock:
            self._accounts[account.siret] = account

    def account(self, siret: str) -> Account | None:
        with self._lock:
            return self._accounts.get(siret)

    def issue_token(self, account: Account) -> tuple[str, Token]:
        now = self.clock.now()
        token = Token(account.siret, now + timedelta(seconds=self.token_lifetime_s))
        value = _token_value(account, self.token_lifetime_s, now)
        with self._lock:
            self._tokens[value] = token
        return value, token

    def expires(self, now: datetime | None = None) -> str:
        """The ``Expires`` of a 200 answered at ``now`` (the clock's): plus the back-off."""
        moment = now or self.clock.now()
        return http_date(moment + timedelta(seconds=self.answer_backoff_s))

    def token(self, value: str) -> Token | None:
        with self._lock:
            return self._tokens.get(value)

    # Deposits ------------------------------------------------------------------------------

    def new_idflux(self) -> str:
        with self._lock:
            while True:
                idflux = "".join(self._flux_rng.choices(IDFLUX_ALPHABET, k=IDFLUX_LENGTH))
                if idflux not in self._by_flux:
                    return idflux

    def record_deposit(self, deposit: Deposit, planned: list[PlannedReturn]) -> None:
        """Record a deposit and schedule its returns, in one step (never one without the other)."""
        with self._lock:
            self._deposits.append(deposit)
            self._by_flux[deposit.idflux] = deposit
            self._returns[deposit.idflux] = [self._stored(deposit, p) for p in planned]

    def _stored(self, deposit: Deposit, planned: PlannedReturn) -> StoredReturn:
        self._return_counter += 1
        at = deposit.received_at + timedelta(seconds=planned.delay_s)
        return StoredReturn(
            idflux=deposit.idflux,
            return_id=str(self._return_counter),
            nature=planned.nature,
            kind=planned.kind,
            status=planned.status,
            content=planned.content,
            media_type=planned.media_type,
            available_at=at,
            produced_at=at - timedelta(seconds=min(planned.delay_s, 1)),
        )

    def deposits(self, account_siret: str | None = None) -> list[Deposit]:
        with self._lock:
            return [d for d in self._deposits if account_siret in (None, d.account_siret)]

    def deposit_of(self, idflux: str) -> Deposit | None:
        """The deposit of ``idflux``; ``None`` for an unknown flux."""
        with self._lock:
            return self._by_flux.get(idflux)

    def flux_owner(self, idflux: str) -> str | None:
        """The declarant SIRET the flux was deposited for; ``None`` for an unknown flux."""
        deposit = self.deposit_of(idflux)
        return deposit.account_siret if deposit else None

    # Returns --------------------------------------------------------------------------------

    def returns(self, idflux: str, *, visible_only: bool = True) -> list[StoredReturn]:
        now = self.clock.now()
        with self._lock:
            stored = list(self._returns.get(idflux, []))
        return [r for r in stored if not visible_only or r.available_at <= now]

    def returns_published(
        self, of: str | Callable[[Deposit], bool], start: datetime, end: datetime
    ) -> list[StoredReturn]:
        """The visible returns published within ``[start, end]`` of the deposits ``of`` selects
        (a declarant SIRET: the deposits made for it)."""
        if isinstance(of, str):
            siret = of
            of = lambda d: d.account_siret == siret  # noqa: E731
        now = self.clock.now()
        with self._lock:
            fluxes = [d.idflux for d in self._deposits if of(d)]
            stored = [r for idflux in fluxes for r in self._returns.get(idflux, [])]
        return [r for r in stored if start <= r.available_at <= end and r.available_at <= now]

    def find_return(self, idflux: str, return_id: str, version: int) -> StoredReturn | None:
        """A visible return in exactly this version (an overwritten version is gone)."""
        return next(
            (r for r in self.returns(idflux) if r.return_id == return_id and r.version == version),
            None,
        )

    def overwrite_return(
        self,
        idflux: str,
        return_id: str,
        *,
        status: str,
        content: bytes | None = None,
        media_type: str | None = None,
    ) -> StoredReturn:
        """Replace a return's status (and content): new version, published now."""
        now = self.clock.now()
        with self._lock:
            stored = self._returns.get(idflux, [])
            for index, old in enumerate(stored):
                if old.return_id == return_id:
                    new = replace(
                        old,
                        status=status,
                        content=old.content if content is None else content,
                        media_type=media_type or old.media_type,
                        available_at=now,
                        produced_at=now,
                        version=old.version + 1,
                    )
                    stored[index] = new
                    return new
        raise UnknownReturn(f"retour {return_id} du flux {idflux} inconnu")
