"""The audit trail only grows: the ORM and the database both refuse updates and deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from coursier.store import (
    AuditEvent,
    AuditIsAppendOnly,
    Store,
    append_audit,
    open_store,
    query_audit,
)

T0 = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as store:
        with store.begin() as session:
            append_audit(
                session,
                actor="prefect:deposit-dsn",
                action="deposit",
                flow="deposit-dsn",
                flow_run_id="run-1",
                dossier="CCH001",
                subject="sha256:ab12",
                outcome="accepted",
                details={"idflux": "1234"},
                at=T0,
            )
        yield store


def _count(store: Store) -> int:
    with store.begin() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def test_an_event_reads_back_as_written(store: Store) -> None:
    with store.begin() as session:
        (event,) = query_audit(session)
    assert event.at == T0
    assert event.at.tzinfo is UTC
    assert (event.actor, event.action, event.dossier, event.subject, event.outcome) == (
        "prefect:deposit-dsn",
        "deposit",
        "CCH001",
        "sha256:ab12",
        "accepted",
    )
    assert event.details == {"idflux": "1234"}


def test_orm_update_is_refused(store: Store) -> None:
    with store.sessions() as session:
        (event,) = query_audit(session)
        event.outcome = "rejected"
        with pytest.raises(AuditIsAppendOnly):
            session.commit()
    with store.begin() as session:
        assert [e.outcome for e in query_audit(session)] == ["accepted"]


def test_orm_delete_is_refused(store: Store) -> None:
    with store.sessions() as session:
        (event,) = query_audit(session)
        session.delete(event)
        with pytest.raises(AuditIsAppendOnly):
            session.commit()
    assert _count(store) == 1


@pytest.mark.parametrize(
    "statement",
    [
        text("UPDATE audit_events SET outcome = 'rejected'"),
        text("DELETE FROM audit_events"),
        update(AuditEvent).values(outcome="rejected"),
        delete(AuditEvent),
    ],
    ids=["raw-update", "raw-delete", "bulk-update", "bulk-delete"],
)
def test_the_database_refuses_updates_and_deletes(store: Store, statement) -> None:
    with pytest.raises(IntegrityError, match="append-only"), store.begin() as session:
        session.execute(statement)
    with store.begin() as session:
        assert [e.outcome for e in query_audit(session)] == ["accepted"]


def test_query_audit_filters_and_orders_by_time(store: Store) -> None:
    with store.begin() as session:
        # The chain refuses a row dated before the last one: rows come in time order.
        append_audit(
            session,
            actor="alice",
            action="export",
            flow="deposit-dsn",
            dossier="CCH001",
            at=T0 + timedelta(hours=1),
        )
        append_audit(
            session, actor="alice", action="import", dossier="CCH002", at=T0 + timedelta(hours=2)
        )
        append_audit(
            session, actor="bob", action="sync", flow="sync-hr", at=T0 + timedelta(hours=3)
        )

    with store.begin() as session:
        assert [e.action for e in query_audit(session)] == ["deposit", "export", "import", "sync"]
        assert [e.action for e in query_audit(session, flow="deposit-dsn")] == ["deposit", "export"]
        assert [e.action for e in query_audit(session, dossier="CCH001")] == ["deposit", "export"]
        since = T0 + timedelta(hours=2)
        assert [e.action for e in query_audit(session, since=since)] == ["import", "sync"]
        assert [e.action for e in query_audit(session, limit=2)] == ["deposit", "export"]
        assert query_audit(session, flow="deposit-dsn", dossier="CCH002") == []


def test_since_is_an_instant_whatever_its_timezone(store: Store) -> None:
    paris_winter = timezone(timedelta(hours=1))
    at_t0 = datetime(2025, 3, 5, 9, 0, tzinfo=paris_winter)
    with store.begin() as session:
        assert [e.action for e in query_audit(session, since=at_t0)] == ["deposit"]
        assert query_audit(session, since=at_t0 + timedelta(microseconds=1)) == []


def test_postgresql_refuses_truncate_too(postgres_url_factory) -> None:
    """TRUNCATE fires no row trigger: PostgreSQL has a statement trigger of its own for it."""
    with open_store(postgres_url_factory()) as store:
        with store.begin() as session:
            append_audit(session, actor="alice", action="import")
        with pytest.raises(IntegrityError, match="append-only"), store.begin() as session:
            session.execute(text("TRUNCATE audit_events"))
        assert _count(store) == 1
