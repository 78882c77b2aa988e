"""Claims keeping each Accounton create / invitation exactly-once, and the plans computed.

A run claims ``(account, action, target)`` in one short transaction before the call
(:func:`claim_send`): a new row ``sending`` held by the run, or the existing row's verdict —
``done`` (never sent again), held by another live run (skip it), or unsettled (a run died while
sending, or a cut left the outcome unknown): the caller then looks the customer up in Accounton
(:func:`settle` if found) and only when it is not there takes the row over
(:func:`take_over`) to send again. Runs' liveness is their lease (``coursier.store.claims``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from coursier.store.claims import live_runs, renew_lease
from coursier.store.client_import_tables import ClientImportPlan, ClientImportSend
from coursier.store.database import Store
from coursier.store.dialects import insert_new
from coursier.store.tables import utcnow

LEASE = timedelta(minutes=10)


class Verdict(StrEnum):
    CLAIMED = "claimed"  # this run holds the row: it may send once
    DONE = "done"  # sent and settled: never again
    HELD = "held"  # another live run is sending it
    UNSETTLED = "unsettled"  # outcome unknown: look the platform up first


@dataclass(frozen=True)
class Claim:
    verdict: Verdict
    row_id: int
    result: dict[str, Any]


def hold_lease(store: Store, run_id: str, flow: str) -> None:
    """Create or extend the run's lease: its claims stay its own while it lives."""
    with store.begin() as session:
        renew_lease(session, run_id, flow, LEASE)


def claim_send(
    store: Store, *, account_key: str, action: str, target: str, dossier: str, run_id: str
) -> Claim:
    with store.begin() as session:
        now = utcnow()
        new_id = insert_new(
            session,
            ClientImportSend.__table__,
            ("account_key", "action", "target"),
            {
                "account_key": account_key,
                "action": action,
                "target": target,
                "dossier": dossier,
                "state": "sending",
                "claim_run": run_id,
                "attempts": 1,
                "result": {},
                "claimed_at": now,
            },
        )
        if new_id is not None:
            return Claim(Verdict.CLAIMED, new_id, {})
        row = session.scalars(
            select(ClientImportSend).where(
                ClientImportSend.account_key == account_key,
                ClientImportSend.action == action,
                ClientImportSend.target == target,
            )
        ).one()
        if row.state == "done":
            return Claim(Verdict.DONE, row.id, dict(row.result))
        if (
            row.state == "sending"
            and row.claim_run != run_id
            and row.claim_run in live_runs(session, now)
        ):
            return Claim(Verdict.HELD, row.id, {})
        return Claim(Verdict.UNSETTLED, row.id, dict(row.result))


def take_over(store: Store, row_id: int, run_id: str) -> bool:
    """Hold an unsettled row to send again (the platform was looked up and has nothing);
    False when another run took it meanwhile or it got settled."""
    with store.begin() as session:
        unheld = or_(
            ClientImportSend.state == "unknown",
            ClientImportSend.claim_run == run_id,
            ClientImportSend.claim_run.not_in(list(live_runs(session, utcnow()))),
        )
        return (
            session.execute(
                update(ClientImportSend)
                .where(
                    ClientImportSend.id == row_id,
                    ClientImportSend.state.in_(("sending", "unknown")),
                    unheld,
                )
                .values(state="sending", claim_run=run_id, attempts=ClientImportSend.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )


def settle(session: Session, row_id: int, state: str, result: dict[str, Any]) -> None:
    """Record what the call (or the look-up) said: ``done`` with the customer, or
    ``unknown`` after a cut or a refusal; in the caller's transaction (beside its audit)."""
    session.execute(
        update(ClientImportSend)
        .where(ClientImportSend.id == row_id)
        .values(state=state, result=result, settled_at=utcnow() if state == "done" else None)
        .execution_options(synchronize_session=False)
    )


def sends_of(store: Store, account_key: str, action: str) -> list[dict[str, Any]]:
    """The account's claims of ``action``: target, state, attempts, result."""
    columns = (
        ClientImportSend.target,
        ClientImportSend.state,
        ClientImportSend.attempts,
        ClientImportSend.result,
    )
    with store.read() as session:
        rows = session.execute(
            select(*columns)
            .where(ClientImportSend.account_key == account_key, ClientImportSend.action == action)
            .order_by(ClientImportSend.id)
        )
        return [row._asdict() for row in rows]


def record_plan(
    store: Store,
    *,
    dossier: str,
    source: str,
    taskflow: str | None,
    flow_run_id: str,
    counts: dict[str, int],
) -> int:
    with store.begin() as session:
        row = ClientImportPlan(
            dossier=dossier,
            source=source,
            taskflow=taskflow,
            flow_run_id=flow_run_id,
            counts=counts,
        )
        session.add(row)
        session.flush()
        return row.id
