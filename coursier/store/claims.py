"""Claims on deposits: the store, not a process, guarantees that a file is sent once at most.

A run claims a file in one short transaction before sending anything:

- the ledger row is created, or moved from a sendable state, to ``sending`` with the run as
  ``claim_run`` — a compare-and-set on the state it was seen in, so that of two runs (two
  processes, two machines) one wins and the other sees the claim;
- ``open_slot`` takes the row's group key; it is unique per account, so a second deposit of a
  group the listing cannot tell apart waits while one is in flight or of unknown fate.

Both hold on SQLite (transactions take the write lock when they begin) and on PostgreSQL (the
unique constraints and the ``WHERE state = …`` of the update decide; a concurrent insert of the
same key waits for the first transaction, then fails). A claim lives while its run's lease is
renewed (``run_leases``): a run killed or cut off stops renewing it, and its rows are then taken
over only by reconciliation, never sent blindly.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coursier.models.deposits import DepositState
from coursier.store.database import Store
from coursier.store.dialects import insert_new
from coursier.store.ledger import find_deposit
from coursier.store.ledger_tables import Deposit, RunLease
from coursier.store.tables import utcnow

#: States from which a file may be (re)sent: never arrived, or never sent at all.
SENDABLE = (
    DepositState.NOT_SENT.value,
    DepositState.BLOCKED.value,
    DepositState.REFUSED.value,
    DepositState.NOT_DEPOSITED_M2M.value,
)
UNSETTLED = (DepositState.SENDING.value, DepositState.UNKNOWN.value)


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"  # this run holds the row: it may send the file once
    HELD = "held"  # another live run is sending it
    GROUP_BUSY = "group_busy"  # a look-alike deposit of the account is in flight or unknown
    UNSETTLED = "unsettled"  # a previous POST's fate is unknown: reconcile first
    SETTLED = "settled"  # already deposited, accepted or rejected: never sent again


@dataclass(frozen=True)
class Claim:
    outcome: ClaimOutcome
    deposit_id: int | None = None
    holder: str | None = None  # the run holding the row, for HELD
    state: str | None = None


def claim_deposit(
    store: Store,
    *,
    dossier: str,
    file_sha256: str,
    account_key: str,
    group: str,
    run_id: str,
    new_row: Callable[[], dict[str, Any]],
    account_fields: dict[str, Any],
) -> Claim:
    """Claim the file ``(dossier, file_sha256)`` for ``run_id`` to send it through the account.

    ``new_row`` gives the columns of a row that does not exist yet; ``account_fields`` the
    account's identity columns, written on every claim.
    """
    now = utcnow()
    claimed = {
        "state": DepositState.SENDING.value,
        "account_key": account_key,
        "group_key": group,
        "open_slot": group,
        "claim_run": run_id,
        "claimed_at": now,
        "sent_at": now,
        "message": "Dépôt en cours",
        **account_fields,
    }
    for _ in range(3):  # a row created or changed by another run meanwhile: look again
        try:
            with store.begin() as session:
                deposit_id = _insert_claimed(session, {**new_row(), **claimed, "attempts": 1})
                if deposit_id is None:
                    deposit_id = _take_sendable(session, dossier, file_sha256, claimed)
                if deposit_id is not None:
                    return Claim(ClaimOutcome.CLAIMED, deposit_id, run_id, claimed["state"])
                row = find_deposit(session, dossier, file_sha256)
                found = _judge(session, row, now) if row is not None else None
                if found is not None:
                    return found
        except IntegrityError:
            with store.begin() as session:
                if find_deposit(session, dossier, file_sha256) is None or _slot_taken(
                    session, account_key, group, dossier, file_sha256
                ):
                    return Claim(ClaimOutcome.GROUP_BUSY)
    return Claim(ClaimOutcome.GROUP_BUSY)


def _insert_claimed(session: Session, columns: dict[str, Any]) -> int | None:
    """A new row, claimed: its id, or None when the file already has a row."""
    return insert_new(session, Deposit.__table__, ("dossier", "file_sha256"), columns)


def _take_sendable(
    session: Session, dossier: str, file_sha256: str, claimed: dict[str, Any]
) -> int | None:
    """Claim the file's existing row if it is in a sendable state (a compare-and-set): its id."""
    statement = (
        update(Deposit)
        .where(
            Deposit.dossier == dossier,
            Deposit.file_sha256 == file_sha256,
            Deposit.state.in_(SENDABLE),
        )
        .values(**claimed, attempts=Deposit.attempts + 1)
        .returning(Deposit.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).scalar_one_or_none()


def _slot_taken(session: Session, account_key: str, group: str, dossier: str, sha: str) -> bool:
    holder = session.scalars(
        select(Deposit).where(Deposit.account_key == account_key, Deposit.open_slot == group)
    ).one_or_none()
    return holder is not None and (holder.dossier, holder.file_sha256) != (dossier, sha)


def _judge(session: Session, row: Deposit, now: datetime) -> Claim | None:
    """What an existing row says before a claim; None when it may be claimed."""
    if row.state in SENDABLE:
        return None
    if row.state == DepositState.SENDING.value and row.claim_run in live_runs(session, now):
        return Claim(ClaimOutcome.HELD, row.id, row.claim_run, row.state)
    if row.state in UNSETTLED:
        return Claim(ClaimOutcome.UNSETTLED, row.id, row.claim_run, row.state)
    return Claim(ClaimOutcome.SETTLED, row.id, row.claim_run, row.state)


def finish_send(session: Session, deposit_id: int, run_id: str, **changes: Any) -> bool:
    """Record what the POST of a claimed row gave; False if the claim was taken over meanwhile.

    ``open_slot`` is freed unless the fate is unknown: the group then waits for reconciling.
    """
    if changes.get("state") != DepositState.UNKNOWN.value:
        changes.setdefault("open_slot", None)
    return (
        session.execute(
            update(Deposit)
            .where(
                Deposit.id == deposit_id,
                Deposit.claim_run == run_id,
                Deposit.state == DepositState.SENDING.value,
            )
            .values(**changes, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def unsettled_rows(session: Session, account_key: str, now: datetime) -> list[Deposit]:
    """The account's rows whose fate is unknown and that no live run is sending."""
    live = live_runs(session, now)
    rows = session.scalars(
        select(Deposit)
        .where(Deposit.account_key == account_key, Deposit.state.in_(UNSETTLED))
        .order_by(Deposit.sent_at, Deposit.id)
    )
    return [r for r in rows if r.state == DepositState.UNKNOWN.value or r.claim_run not in live]


def settle_unknown(session: Session, deposit_id: int, now: datetime, **changes: Any) -> bool:
    """Record reconciliation's decision on a row, if it is still unsettled and unheld."""
    changes.setdefault("open_slot", None)
    unheld = or_(
        Deposit.state == DepositState.UNKNOWN.value,
        Deposit.claim_run.is_(None),
        Deposit.claim_run.not_in(list(live_runs(session, now))),
    )
    return (
        session.execute(
            update(Deposit)
            .where(Deposit.id == deposit_id, Deposit.state.in_(UNSETTLED), unheld)
            .values(**changes, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def adopt_unowned_rows(session: Session, platform: str, declarant_siret: str, key: str) -> int:
    """Give rows written before account identities (migration 0004) the account they were sent
    through — the only one their platform and declarant SIRET can mean — so they get settled."""
    return session.execute(
        update(Deposit)
        .where(
            Deposit.account_key.is_(None),
            Deposit.platform == platform,
            Deposit.declarant_siret == declarant_siret,
        )
        .values(account_key=key)
        .execution_options(synchronize_session=False)
    ).rowcount


# Leases ----------------------------------------------------------------------------------------


def renew_lease(session: Session, run_id: str, flow: str, lease: timedelta) -> datetime:
    """Create or extend the run's lease; until when it now runs."""
    now = utcnow()
    expires = now + lease
    found = session.get(RunLease, run_id)
    if found is None:
        session.add(
            RunLease(
                run_id=run_id,
                flow=flow,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=now,
                expires_at=expires,
            )
        )
    else:
        found.expires_at = expires
    session.flush()
    return expires


def drop_lease(session: Session, run_id: str) -> None:
    """The run is over: its claims end with it (rows still sending are reconciled)."""
    session.execute(delete(RunLease).where(RunLease.run_id == run_id))


def live_runs(session: Session, now: datetime) -> set[str]:
    return set(session.scalars(select(RunLease.run_id).where(RunLease.expires_at > now)))


def rows_held_by(session: Session, run_id: str) -> Iterable[Deposit]:
    return session.scalars(
        select(Deposit).where(
            Deposit.claim_run == run_id, Deposit.state == DepositState.SENDING.value
        )
    )
