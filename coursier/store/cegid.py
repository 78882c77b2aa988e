"""Cegid Flow in the store: claims on sends to Loop, each dossier's onboarding, watch days.

A send (an activation, a contact creation, a service proposal) is claimed before it is made:
one row per (account, action, target), inserted or taken over in one short transaction, so of
two runs one sends and the other sees it held. A row left ``sending`` by a run that stopped
renewing it (older than the lease) or ``unknown`` after a cut is taken over only to be
reconciled: the caller reads Loop before any re-send. ``done`` is final.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coursier.store.cegid_tables import CegidOnboarding, CegidSend, CegidWatchDay
from coursier.store.database import Store
from coursier.store.dialects import insert_for, insert_new
from coursier.store.tables import utcnow

ClaimOutcome = Literal["claimed", "done", "held"]


@dataclass(frozen=True)
class SendClaim:
    outcome: ClaimOutcome
    send_id: int
    result: dict[str, Any] = field(default_factory=dict)
    holder: str | None = None


def claim_send(
    store: Store,
    *,
    account_key: str,
    action: str,
    target: str,
    dossier: str | None,
    run_id: str,
    lease: timedelta,
) -> SendClaim:
    """Claim the send for ``run_id``: ``claimed`` (new, or taken over to reconcile), ``done``
    (with what Loop answered), or ``held`` by another live run."""
    now = utcnow()
    with store.begin() as session:
        columns = {
            "account_key": account_key,
            "action": action,
            "target": target,
            "dossier": dossier,
            "state": "sending",
            "claim_run": run_id,
            "attempts": 1,
            "result": {},
            "claimed_at": now,
        }
        new = insert_new(session, CegidSend.__table__, ("account_key", "action", "target"), columns)
        if new is not None:
            return SendClaim("claimed", new)
        row = session.scalars(
            select(CegidSend).where(
                CegidSend.account_key == account_key,
                CegidSend.action == action,
                CegidSend.target == target,
            )
        ).one()
        if row.state == "done":
            return SendClaim("done", row.id, dict(row.result))
        live = row.state == "sending" and row.claimed_at > now - lease
        if live and row.claim_run != run_id:
            return SendClaim("held", row.id, holder=row.claim_run)
        taken = session.execute(
            update(CegidSend)
            .where(
                CegidSend.id == row.id,
                CegidSend.state == row.state,
                CegidSend.claim_run == row.claim_run,
                CegidSend.claimed_at == row.claimed_at,
            )
            .values(
                state="sending", claim_run=run_id, claimed_at=now, attempts=CegidSend.attempts + 1
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return SendClaim("held", row.id, holder=row.claim_run)
        return SendClaim("claimed", row.id)


def settle_send(
    session: Session, send_id: int, run_id: str, state: str, result: dict[str, Any] | None = None
) -> bool:
    """Record what became of a claimed send (``done`` or ``unknown``); False when another
    run took the claim over meanwhile."""
    values: dict[str, Any] = {"state": state, "settled_at": utcnow()}
    if result is not None:
        values["result"] = result
    return (
        session.execute(
            update(CegidSend)
            .where(CegidSend.id == send_id, CegidSend.claim_run == run_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def record_onboardings(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Upsert each dossier's onboarding result (dossier, status, message, contact_id,
    flow_run_id, details)."""
    values = [{**row, "updated_at": utcnow()} for row in rows]
    if not values:
        return
    statement = insert_for(session.get_bind().dialect.name)(CegidOnboarding)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CegidOnboarding.dossier],
            set_={
                name: statement.excluded[name]
                for name in (
                    "status",
                    "message",
                    "contact_id",
                    "flow_run_id",
                    "details",
                    "updated_at",
                )
            },
        ),
        values,
    )


def onboarded(session: Session, status: str = "ready") -> list[CegidOnboarding]:
    """The dossiers whose last onboarding ended ``status``, by code."""
    query = select(CegidOnboarding).where(CegidOnboarding.status == status)
    return list(session.scalars(query.order_by(CegidOnboarding.dossier)))


def record_watch_days(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Upsert the comparison of each (dossier, day) watched: a day watched again replaces it."""
    values = [{**row, "checked_at": utcnow()} for row in rows]
    if not values:
        return
    statement = insert_for(session.get_bind().dialect.name)(CegidWatchDay)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CegidWatchDay.dossier, CegidWatchDay.day],
            set_={
                name: statement.excluded[name]
                for name in (
                    "expected",
                    "received",
                    "missing",
                    "replayed",
                    "still_missing",
                    "flow_run_id",
                    "checked_at",
                )
            },
        ),
        values,
    )


def recent_watch_days(
    session: Session, dossiers: Iterable[str], before: date, count: int
) -> dict[str, list[CegidWatchDay]]:
    """Per dossier, its ``count`` last days watched before ``before``, latest first."""
    codes = list(dossiers)
    found: dict[str, list[CegidWatchDay]] = {code: [] for code in codes}
    if not codes:
        return found
    query = (
        select(CegidWatchDay)
        .where(CegidWatchDay.dossier.in_(codes), CegidWatchDay.day < before)
        .order_by(CegidWatchDay.dossier, CegidWatchDay.day.desc())
    )
    for row in session.scalars(query):
        if len(found[row.dossier]) < count:
            found[row.dossier].append(row)
    return found
