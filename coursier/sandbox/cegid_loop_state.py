"""The state of the Cegid Loop sandbox, with Cegid Flow's receiving side and its mailbox.

Loop (PROTOCOLS.md §5): the firm's applications, each dossier's resources and applications,
the contacts (interlocuteurs) and the services proposed to them, the change feed of each
dossier (the changes of each day, as its daily report lists them) and ``partialInit``.

Flow has no public API: what it received is kept here and shown by assumed routes
(:mod:`.cegid_loop_platform`). Flow starts a dossier's initial load once the service is
proposed to its company head, and sends the invitation e-mail (kept in :attr:`mailbox`); the
load completes after ``load_reads`` looks at it, never for a dossier seeded so. Each change of
the feed reaches Flow as messages (``…Inserted`` / ``…Updated`` / ``…Deleted``; an edited entry
as ``EcritureComptableDeleted`` with ``update`` then ``EcritureComptableInserted``); a message
is dropped on demand (a rate drawn from the seed, or a whole dossier's replays too).
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import orjson

from coursier.sandbox.cegid_loop_seed import (
    FIRM_API_KEY,
    FIRM_API_SECRET,
    FIRM_SUBSCRIPTION_KEY,
    FLOW_SERVICE,
    SEEDED,
    DossierSpec,
    LoopDossier,
    build_dossier,
    stable_id,
)
from coursier.sandbox.clock import Clock
from coursier.sandbox.faults import FaultBoard

ENTITIES = ("Compte", "Journal", "EcritureComptable", "CompteBancaire")
ENTRY = "EcritureComptable"
PARTIAL_INIT_MAX_DAYS = 20
#: What a cut may strike: each POST of Loop, by what it does.
SEND_ACTIONS = (
    "firm-activation",
    "dossier-activation",
    "contact-create",
    "contact-update",
    "service-proposal",
    "partial-init",
)
#: How a cut strikes: processed then the connection dropped, processed then a 503, or a 503
#: before anything is done.
CUT_MODES = ("cut_after", "fail_after", "fail_before")


@cache
def _events(entity: str, operation: str) -> tuple[tuple[str, bool], ...]:
    """The (event, update flag) of each message the sink sends for such a change."""
    if entity == ENTRY and operation == "Updated":
        return ((f"{ENTRY}Deleted", True), (f"{ENTRY}Inserted", False))
    return ((f"{entity}{operation}", False),)


@dataclass(frozen=True)
class Change:
    """One line of a daily report: what changed, when."""

    entity: str
    id: str
    at: datetime
    operation: str  # Inserted, Updated, Deleted
    #: ``at`` as Loop writes it, once: the report and every replay of the change show it.
    stamp: str = field(init=False, repr=False, compare=False)
    #: Each of its messages' (event, update flag).
    events: tuple[tuple[str, bool], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stamp", self.at.isoformat())
        object.__setattr__(self, "events", _events(self.entity, self.operation))

    def line(self) -> dict[str, str]:
        """Its line of the daily report."""
        return {
            "entity": self.entity,
            "id": self.id,
            "timestamp": self.stamp,
            "operation": self.operation,
        }

    def messages(self) -> list[dict[str, Any]]:
        """What the sink sends Flow for it: an edited entry is a delete then an insert."""
        return [self.message(event, update) for event, update in self.events]

    def message(self, event: str, update: bool) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "id": self.id,
            "timestamp": self.stamp,
            "event": event,
            "update": update,
        }


@dataclass
class Mail:
    to: str
    subject: str
    dossier: str
    at: datetime

    def public(self) -> dict[str, str]:
        return {
            "to": self.to,
            "subject": self.subject,
            "dossier": self.dossier,
            "at": self.at.isoformat(),
        }


@dataclass
class FlowDossier:
    """What Flow received of one dossier."""

    invited: str | None = None
    invited_at: datetime | None = None
    reads: int = 0
    messages: dict[date, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    keys: set[tuple[str, str, str, str]] = field(default_factory=set)

    def receive(self, message: dict[str, Any], day: date) -> bool:
        key = (message["entity"], message["id"], message["timestamp"], message["event"])
        if key in self.keys:
            return False
        self.keys.add(key)
        self.messages[day].append(message)
        return True

    def replay(self, changes: Iterable[Change], day: date) -> None:
        """Changes sent again: their messages Flow lacks received (the others not even built:
        a replay resends thousands of changes Flow has)."""
        keys = self.keys
        for change in changes:
            for event, update in change.events:
                if (change.entity, change.id, change.stamp, event) not in keys:
                    self.receive(change.message(event, update), day)


class Cuts:
    """Action → the next strikes on its POSTs (mode, and the target they strike, if one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left: dict[str, list[tuple[str, str | None]]] = defaultdict(list)

    def add(self, action: str, mode: str, times: int = 1, target: str | None = None) -> None:
        if action not in SEND_ACTIONS or mode not in CUT_MODES:
            raise ValueError(f"action {action!r} ou mode {mode!r} inconnu")
        with self._lock:
            self._left[action].extend([(mode, target)] * times)

    def peek(self, action: str, target: str) -> str | None:
        """The mode that would strike this POST, without using it."""
        with self._lock:
            return next((m for m, only in self._left[action] if only in (None, target)), None)

    def strike(self, action: str, target: str) -> str | None:
        """The mode striking this POST of ``action`` on ``target``, if any (one fewer left)."""
        with self._lock:
            for index, (mode, only) in enumerate(self._left[action]):
                if only in (None, target):
                    del self._left[action][index]
                    return mode
        return None

    def clear(self) -> None:
        with self._lock:
            self._left.clear()


@dataclass
class CegidLoopState:
    """``load_reads``: how many looks at a dossier's initial load before it is complete."""

    name: str
    seed: int
    clock: Clock
    fault_routes: tuple[str, ...] = field(kw_only=True)
    load_reads: int = 1

    def __post_init__(self) -> None:
        self.faults = FaultBoard(self.seed, self.name, self.fault_routes)
        self.cuts = Cuts()
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            year = self.clock.now().year
            self.dossiers: dict[str, LoopDossier] = {s.code: build_dossier(s, year) for s in SEEDED}
            self.firm_applications: set[str] = set()
            self.contacts: dict[str, dict[str, Any]] = {}
            self.proposals: list[dict[str, str]] = []
            self.mailbox: list[Mail] = []
            self.flow: dict[str, FlowDossier] = defaultdict(FlowDossier)
            self.changes: dict[str, dict[date, list[Change]]] = defaultdict(
                lambda: defaultdict(list)
            )
            self.sends: Counter[tuple[str, str]] = Counter()
            self.dropping_replays: set[str] = set()
            #: dossier → (shift of the new balances, movements lost) in Flow's statements
            self.statement_faults: dict[str, tuple[Decimal, int]] = {}
            #: (dossier, day) → the daily report's lines, each written once in JSON
            self._lines: dict[tuple[str, date], list[bytes]] = defaultdict(list)
            #: dossier → day → entity → its changes, for ``partialInit``
            self._by_entity: dict[str, dict[date, dict[str, list[Change]]]] = defaultdict(
                lambda: defaultdict(lambda: defaultdict(list))
            )
            self.dropped: dict[str, list[tuple[date, dict[str, Any]]]] = defaultdict(list)
            self._rng = random.Random(f"cegid:{self.seed}")  # noqa: S311 - reproducible drops
            self.faults.clear()
            self.cuts.clear()

    # Who calls ------------------------------------------------------------------------------

    @staticmethod
    def authorised(subscription_key: str | None, api_key: str | None) -> bool:
        return subscription_key == FIRM_SUBSCRIPTION_KEY and api_key == (
            f"{FIRM_API_KEY}:{FIRM_API_SECRET}"
        )

    def add_dossier(self, spec: DossierSpec) -> LoopDossier:
        """A dossier of any size beside the seeded ones (the benchmark's)."""
        with self.lock:
            dossier = self.dossiers[spec.code] = build_dossier(spec, self.clock.now().year)
            return dossier

    # Flow ----------------------------------------------------------------------------------

    def propose(self, contact_id: str, dossier: LoopDossier, service: str) -> dict[str, str]:
        """The service proposed: Flow invites the contact (an e-mail) and starts the load."""
        contact = self.contacts[contact_id]
        now = self.clock.now()
        with self.lock:
            proposal = {
                "id": stable_id(contact_id, dossier.code, service, len(self.proposals)),
                "interlocuteur": contact_id,
                "dossier": dossier.code,
                "service": service,
            }
            self.proposals.append(proposal)
            if service == FLOW_SERVICE:
                self.mailbox.append(
                    Mail(
                        contact["email"], "Téléchargez l'application Cegid Flow", dossier.code, now
                    )
                )
                flow = self.flow[dossier.code]
                flow.invited, flow.invited_at, flow.reads = contact["email"], now, 0
        return proposal

    def initial_load(self, dossier: LoopDossier) -> dict[str, Any]:
        """What Flow shows of a dossier's initial load; each look brings it closer to done."""
        with self.lock:
            flow = self.flow[dossier.code]
            if flow.invited is None:
                return {
                    "dossier": dossier.code,
                    "actif": False,
                    "exercices": [],
                    "comptesBancaires": [],
                    "invitation": None,
                }
            flow.reads += 1
            done = flow.reads > self.load_reads and dossier.breakage != "load-never-completes"
        share = 1.0 if done else 0.5

        def part(count: int) -> int:
            return count if done else int(count * share)

        return {
            "dossier": dossier.code,
            "actif": True,
            "exercices": [
                {
                    "id": fy["id"],
                    "debut": fy["debut"],
                    "fin": fy["fin"],
                    "comptes": len(dossier.accounts),
                    "journaux": len(dossier.journals),
                    "ecritures": part(dossier.entries_per_year[fy["id"]]),
                }
                for fy in dossier.fiscal_years
            ],
            "comptesBancaires": [
                {
                    "id": b["id"],
                    "iban": b["iban"],
                    "protocole": b["protocole"],
                    "collecte": "active" if b["protocole"] == "CFONB" else "à activer",
                }
                for b in dossier.bank_accounts
            ][: None if done else 0],
            "invitation": {"email": flow.invited, "envoyeLe": flow.invited_at.isoformat()},
        }

    # The change stream ---------------------------------------------------------------------

    def emit_changes(
        self, code: str, day: date, count: int, drop_rate: float = 0.0, edits: float = 0.3
    ) -> int:
        """``count`` changes of ``day`` in the dossier's feed, sent to Flow but for the messages
        dropped (each with probability ``drop_rate``); how many messages were dropped."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        dropped = 0
        with self.lock:
            feed, flow, rng = self.changes[code][day], self.flow[code], self._rng
            lines, by_entity = self._lines[(code, day)], self._by_entity[code][day]
            first = len(feed)
            for n in range(first, first + count):
                entity = ENTRY if rng.random() < 0.7 else rng.choice(ENTITIES)
                pick = rng.random()
                operation = (
                    "Updated" if pick < edits else ("Inserted" if pick < 0.85 else "Deleted")
                )
                at = start + timedelta(seconds=(n * 86399) // max(first + count, 1))
                change = Change(entity, stable_id(code, day, entity, n), at, operation)
                feed.append(change)
                lines.append(orjson.dumps(change.line()))
                by_entity[entity].append(change)
                for message in change.messages():
                    if drop_rate and rng.random() < drop_rate:
                        dropped += 1
                        self.dropped[code].append((day, message))
                    else:
                        flow.receive(message, day)
        return dropped

    def lost(self, prefix: str = "") -> tuple[int, int]:
        """(changes, messages) dropped at emission in the dossiers whose code starts with
        ``prefix``, replayed since or not."""
        with self.lock:
            lost = [m for code, d in self.dropped.items() if code.startswith(prefix) for _, m in d]
            changes = {(m["entity"], m["id"], m["timestamp"]) for m in lost}
        return len(changes), len(lost)

    def report_lines(self, code: str, day: date) -> list[bytes]:
        """The daily report's lines in JSON, as Loop wrote them when the changes happened (the
        benchmark's million changes are not written again at each read)."""
        with self.lock:
            return list(self._lines.get((code, day), ()))

    def report(self, code: str, day: date) -> list[Change]:
        with self.lock:
            return list(self.changes.get(code, {}).get(day, ()))

    def received(self, code: str, day: date) -> list[dict[str, Any]]:
        with self.lock:
            flow = self.flow.get(code)
            return list(flow.messages.get(day, ())) if flow else []

    def partial_init(self, code: str, entity: str, start: datetime, end: datetime) -> int:
        """Send Flow again every change of ``entity`` between ``start`` and ``end``; how many
        changes were replayed (a dossier in :attr:`dropping_replays` loses them again)."""
        replayed = 0
        with self.lock:
            flow, lost = self.flow[code], code in self.dropping_replays
            for day, by_entity in self._by_entity.get(code, {}).items():
                sent = [c for c in by_entity.get(entity, ()) if start <= c.at <= end]
                replayed += len(sent)
                if not lost:
                    flow.replay(sent, day)
        return replayed
