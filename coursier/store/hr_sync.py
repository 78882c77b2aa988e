"""The HR sync's records: the history per company and run, the failed employees, and the
claims that keep each Payflip create exactly-once (DESIGN "Nothing lost, nothing twice").

A create is claimed (``sending``, this run) in the store before it is sent, in batches:
:func:`claim_creates` sorts the employees a run wants to create into those it now holds,
those another live run is sending (``held``: skipped) and those a run that is gone left
``sending`` (``unsettled``: their create may have reached Payflip, so the caller reads Payflip
before sending them — :func:`take_over` then claims those it did not find). Claims are taken by
compare-and-set on (state, holder), so of two runs one wins, on SQLite and PostgreSQL alike.
Functions take a session and leave the transaction to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from coursier.models.hr_failures import Failure
from coursier.store.dialects import insert_for
from coursier.store.hr_sync_tables import HrCreateClaim, HrSyncFailure, HrSyncRun
from coursier.store.tables import utcnow

SENDING, CREATED = "sending", "created"


@dataclass(frozen=True)
class HistoryIn:
    """One company's line of a run in the history."""

    flow_run_id: str
    company: str
    dossier: str | None
    trigger: str
    status: str
    message: str
    started_at: datetime
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    retry_of: str | None = None


def record_history(session: Session, line: HistoryIn) -> None:
    session.add(HrSyncRun(**line.__dict__, finished_at=utcnow()))
    session.flush()


def record_failures(
    session: Session, flow_run_id: str, company: str, failures: Iterable[Failure]
) -> None:
    rows = {
        f.employee_number: {
            "flow_run_id": flow_run_id,
            "company": company,
            "employee_number": f.employee_number,
            "name": f.name,
            "email": f.email,
            "code": f.code,
            "message": f.message,
            "action": f.action,
            "recorded_at": utcnow(),
        }
        for f in failures
    }
    if rows:
        insert = insert_for(session.get_bind().dialect.name)(HrSyncFailure)
        session.execute(insert.on_conflict_do_nothing(), list(rows.values()))


def history(session: Session, company: str | None = None, limit: int = 30) -> list[HrSyncRun]:
    """The last runs, newest first (of one company when given)."""
    query = select(HrSyncRun).order_by(HrSyncRun.finished_at.desc(), HrSyncRun.id.desc())
    if company is not None:
        query = query.where(HrSyncRun.company == company)
    return list(session.scalars(query.limit(limit)))


def failures_of(session: Session, flow_run_id: str) -> list[HrSyncFailure]:
    query = select(HrSyncFailure).where(HrSyncFailure.flow_run_id == flow_run_id)
    return list(session.scalars(query.order_by(HrSyncFailure.company, HrSyncFailure.id)))


def runs_of(session: Session, flow_run_id: str) -> list[HrSyncRun]:
    return list(session.scalars(select(HrSyncRun).where(HrSyncRun.flow_run_id == flow_run_id)))


# Claims -----------------------------------------------------------------------------------


@dataclass
class Claims:
    """Employee numbers sorted by what the run may do with their create."""

    claimed: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)


def claim_creates(
    session: Session, company: str, numbers: list[str], run_id: str, live: set[str]
) -> Claims:
    """Claim the creates of ``numbers`` for ``run_id`` (``live``: the runs whose lease runs)."""
    claims = Claims()
    found = {
        row.employee_number: row
        for row in session.scalars(
            select(HrCreateClaim).where(
                HrCreateClaim.company == company, HrCreateClaim.employee_number.in_(numbers)
            )
        )
    }
    fresh = [n for n in numbers if n not in found]
    if fresh:
        insert = insert_for(session.get_bind().dialect.name)(HrCreateClaim)
        now = utcnow()
        session.execute(
            insert.on_conflict_do_nothing(),
            [
                {
                    "company": company,
                    "employee_number": n,
                    "state": SENDING,
                    "claim_run": run_id,
                    "claimed_at": now,
                }
                for n in fresh
            ],
        )
        mine = set(_held_by(session, company, fresh, run_id))
        claims.claimed += [n for n in fresh if n in mine]
        claims.held += [n for n in fresh if n not in mine]  # another run inserted it first
    for number, row in found.items():
        if row.state == CREATED:  # created once, gone from Payflip since: create it again
            (claims.claimed if _take(session, row, run_id) else claims.held).append(number)
        elif row.claim_run in live and row.claim_run != run_id:
            claims.held.append(number)
        else:
            claims.unsettled.append(number)
    return claims


def take_over(session: Session, company: str, numbers: list[str], run_id: str) -> list[str]:
    """Claim unsettled creates that reconciling did not find in Payflip; those now held."""
    rows = session.scalars(
        select(HrCreateClaim).where(
            HrCreateClaim.company == company, HrCreateClaim.employee_number.in_(numbers)
        )
    )
    return [
        row.employee_number
        for row in list(rows)
        if row.state == SENDING and _take(session, row, run_id)
    ]


def _take(session: Session, row: HrCreateClaim, run_id: str) -> bool:
    """Compare-and-set the row to this run's ``sending`` from the state it was seen in."""
    result = session.execute(
        update(HrCreateClaim)
        .where(
            HrCreateClaim.id == row.id,
            HrCreateClaim.state == row.state,
            HrCreateClaim.claim_run == row.claim_run,
        )
        .values(state=SENDING, claim_run=run_id, claimed_at=utcnow(), settled_at=None)
    )
    return result.rowcount == 1


def _held_by(session: Session, company: str, numbers: list[str], run_id: str) -> list[str]:
    return list(
        session.scalars(
            select(HrCreateClaim.employee_number).where(
                HrCreateClaim.company == company,
                HrCreateClaim.employee_number.in_(numbers),
                HrCreateClaim.claim_run == run_id,
                HrCreateClaim.state == SENDING,
            )
        )
    )


def settle_creates(session: Session, company: str, created: Mapping[str, str | None]) -> None:
    """The creates Payflip confirmed, or that reconciling found (employee number → its id)."""
    if not created:
        return
    table = HrCreateClaim.__table__
    statement = (
        update(table)
        .where(table.c.company == company, table.c.employee_number == bindparam("number"))
        .values(state=CREATED, payflip_id=bindparam("payflip"), settled_at=utcnow())
    )
    session.connection().execute(
        statement, [{"number": n, "payflip": i} for n, i in created.items()]
    )


def release_creates(session: Session, company: str, numbers: Iterable[str], run_id: str) -> None:
    """Drop the claims of creates Payflip refused: nothing was created, nothing is pending."""
    wanted = list(numbers)
    if wanted:
        session.execute(
            delete(HrCreateClaim).where(
                HrCreateClaim.company == company,
                HrCreateClaim.employee_number.in_(wanted),
                HrCreateClaim.claim_run == run_id,
                HrCreateClaim.state == SENDING,
            )
        )
