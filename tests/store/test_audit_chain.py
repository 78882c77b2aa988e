"""The audit trail's hash chain, attacked as someone holding the database would: past the
triggers, every forgery breaks a link that ``verify_audit`` finds, at the right event; appenders
racing from several processes never fork the chain. On SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from coursier.store import AuditEvent, Store, append_audit, open_store
from coursier.store import audit as audit_module
from coursier.store.audit import verify_audit
from coursier.store.audit_chain import GENESIS, row_hash
from coursier.store.database import MIGRATIONS

T0 = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
EVENTS = 5
AUDIT = AuditEvent.__table__


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as store:
        with store.begin() as session:
            for n in range(1, EVENTS + 1):
                append_audit(
                    session,
                    actor="prefect:dsn-deposit",
                    action="dsn.deposit",
                    flow="dsn-deposit",
                    flow_run_id="run-1",
                    dossier="CCH001",
                    subject=f"sha256:{n:04d}",
                    outcome="accepted",
                    details={"idflux": str(1000 + n), "libellé": "Île-de-France"},
                    at=T0 + timedelta(minutes=n),
                )
        yield store


def verdict(store: Store):
    with store.begin() as session:
        return verify_audit(session)


def row(store: Store, event_id: int) -> dict[str, Any]:
    with store.begin() as session:
        return dict(session.execute(select(AUDIT).where(AUDIT.c.id == event_id)).one()._mapping)


def forge(store: Store, *statements) -> None:
    """Run ``statements`` with the append-only triggers out of the way, as a forger would."""
    with store.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            session.execute(text("DROP TRIGGER audit_events_no_update"))
            session.execute(text("DROP TRIGGER audit_events_no_delete"))
        for statement in statements:
            session.execute(statement)


def chained(values: dict[str, Any], prev_hash: str) -> dict[str, Any]:
    """``values`` with the hashes a forger who knows the canonical form would compute."""
    return {
        **values,
        "prev_hash": prev_hash,
        "row_hash": row_hash(SimpleNamespace(**values), prev_hash),
    }


def test_an_untouched_trail_is_intact(store: Store) -> None:
    found = verdict(store)
    assert (found.intact, found.checked, found.broken_at) == (True, EVENTS, None)
    first = row(store, 1)
    assert first["prev_hash"] == GENESIS
    assert row(store, 2)["prev_hash"] == first["row_hash"]


def test_an_empty_trail_is_intact(store_url: str) -> None:
    with open_store(store_url) as empty:
        found = verdict(empty)
    assert (found.intact, found.checked) == (True, 0)


def test_insert_or_replace_of_the_first_row_is_found_at_that_row(store: Store) -> None:
    """SQLite's INSERT OR REPLACE deletes without firing the DELETE trigger: no need to drop it.
    PostgreSQL has no such bypass: there the forger drops the trigger and deletes."""
    replaced = {**row(store, 1), "outcome": "rejected", "subject": "sha256:forged"}
    with store.begin() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(insert(AUDIT).prefix_with("OR REPLACE"), [replaced])
            replace = None
        else:
            replace = (delete(AUDIT).where(AUDIT.c.id == 1), insert(AUDIT).values(**replaced))
    if replace:
        forge(store, *replace)
    assert row(store, 1)["outcome"] == "rejected"
    found = verdict(store)
    assert (found.broken_at, found.checked) == (1, 1)
    assert "modifié" in found.reason


def test_a_replaced_row_with_its_hash_recomputed_breaks_the_next_link(store: Store) -> None:
    original = row(store, 1)
    forged = chained({**original, "outcome": "rejected"}, GENESIS)
    forge(store, update(AUDIT).where(AUDIT.c.id == 1).values(**forged))
    found = verdict(store)
    assert found.broken_at == 2
    assert "n° 1" in found.reason
    assert "remplacé" in found.reason


def test_drop_trigger_then_update_of_an_outcome_is_found_at_that_row(store: Store) -> None:
    forge(store, update(AUDIT).where(AUDIT.c.id == 3).values(outcome="rejected"))
    found = verdict(store)
    assert (found.intact, found.broken_at, found.checked) == (False, 3, 3)
    assert "modifié" in found.reason


def test_a_deleted_middle_row_is_found_at_the_next_one(store: Store) -> None:
    forge(store, delete(AUDIT).where(AUDIT.c.id == 3))
    found = verdict(store)
    assert found.broken_at == 4
    assert "n° 3 à 3 supprimé" in found.reason


def test_a_back_dated_row_with_a_made_up_hash_is_found(store: Store) -> None:
    """The forger chains to the head but hashes without knowing the canonical form."""
    head = row(store, EVENTS)
    values = {**head, "id": EVENTS + 1, "at": T0, "outcome": "accepted", "subject": "sha256:x"}
    values["prev_hash"] = head["row_hash"]
    values["row_hash"] = row_hash(SimpleNamespace(**values), GENESIS)  # not the right input
    forge(store, insert(AUDIT).values(**values))
    found = verdict(store)
    assert (found.broken_at, found.checked) == (EVENTS + 1, EVENTS + 1)
    assert "modifié" in found.reason


def test_a_back_dated_row_correctly_chained_is_found_by_its_date(store: Store) -> None:
    """A forger who knows the canonical form passes the hashes; the date gives the row away."""
    head = row(store, EVENTS)
    values = {**head, "id": EVENTS + 1, "at": T0, "subject": "sha256:forged-deposit"}
    forge(store, insert(AUDIT).values(**chained(values, head["row_hash"])))
    found = verdict(store)
    assert found.broken_at == EVENTS + 1
    assert "antidaté" in found.reason
    assert f"n° {EVENTS}" in found.reason


def test_a_cut_tail_is_not_seen_by_the_chain_alone(store: Store) -> None:
    """The limitation the module's docstring states: the rows left still chain. Only the count
    changes, which an anchor kept elsewhere (the runs' outcome counts) would have to catch."""
    forge(store, delete(AUDIT).where(AUDIT.c.id > 3))
    found = verdict(store)
    assert (found.intact, found.checked) == (True, 3)


def test_verification_reads_in_batches_and_finds_a_break_past_the_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_module, "_VERIFY_BATCH", 2)
    assert verdict(store).checked == EVENTS
    forge(store, update(AUDIT).where(AUDIT.c.id == 4).values(actor="mallory"))
    assert verdict(store).broken_at == 4


def test_two_rows_chained_to_the_same_predecessor_are_refused(store: Store) -> None:
    head = row(store, EVENTS)
    fork = {**head, "id": EVENTS + 1, "at": head["at"] + timedelta(seconds=1)}
    with pytest.raises(IntegrityError), store.begin() as session:
        session.execute(insert(AUDIT).values(**chained(fork, row(store, EVENTS - 1)["row_hash"])))


def test_an_explicit_date_before_the_last_event_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="avant le dernier"), store.begin() as session:
        append_audit(session, actor="alice", action="import", at=T0)
    assert verdict(store).checked == EVENTS


def test_a_clock_set_back_dates_the_next_event_with_the_last_ones_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_module, "utcnow", lambda: T0 - timedelta(days=1))
    with store.begin() as session:
        event = append_audit(session, actor="alice", action="import")
    assert event.at == T0 + timedelta(minutes=EVENTS)
    assert verdict(store).intact


def test_details_are_hashed_as_the_database_gives_them_back(store: Store) -> None:
    """Tuples come back as lists and integer keys as strings: the hash must not care."""
    with store.begin() as session:
        append_audit(
            session,
            actor="alice",
            action="import",
            details={"lignes": (1, 2), 3: "trois", "texte": "« été » \u2014 ok"},
        )
    assert verdict(store).intact
    assert row(store, EVENTS + 1)["details"] == {
        "lignes": [1, 2],
        "3": "trois",
        "texte": "« été » — ok",
    }


def _alembic(store: Store, revision: str, *, up: bool) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(config, revision)


def test_the_migration_chains_the_rows_already_there(store_url: str) -> None:
    """Rows written before the chain (ids with a gap, as a PostgreSQL sequence leaves after a
    rollback) are chained in id order, and the trail stays append-only afterwards."""
    with open_store(store_url) as store:
        _alembic(store, "0004", up=False)
        with store.begin() as session:
            for n in (1, 2, 5):
                # Only the columns named are written: the table as it was at 0004.
                session.execute(
                    insert(AUDIT).values(
                        id=n, at=T0 + timedelta(minutes=n), actor="alice", action="import"
                    )
                )
        _alembic(store, "head", up=True)
        found = verdict(store)
        assert (found.intact, found.checked) == (True, 3)
        assert row(store, 5)["prev_hash"] == row(store, 2)["row_hash"]
        with pytest.raises(IntegrityError, match="append-only"), store.begin() as session:
            session.execute(text("UPDATE audit_events SET outcome = 'rejected'"))
        with store.begin() as session:
            assert append_audit(session, actor="bob", action="sync").id == 6
        assert verdict(store).checked == 4


def _append_many(url: str, worker: int, count: int, barrier) -> None:
    with open_store(url) as store:
        barrier.wait()
        for n in range(count):
            with store.begin() as session:
                append_audit(session, actor=f"worker-{worker}", action="race", subject=str(n))


def test_processes_appending_at_once_keep_one_chain(store: Store, store_url: str) -> None:
    workers, each = 4, 15
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            done = pool.map(
                _append_many,
                [store_url] * workers,
                range(workers),
                [each] * workers,
                [barrier] * workers,
            )
            list(done)  # re-raises a worker's error
    found = verdict(store)
    assert (found.intact, found.checked) == (True, EVENTS + workers * each)
    with store.begin() as session:
        actors = session.scalars(select(AuditEvent.actor).order_by(AuditEvent.id)).all()
        assert session.scalar(select(func.count(func.distinct(AuditEvent.prev_hash)))) == len(
            actors
        )
    assert {a for a in actors if a.startswith("worker-")} == {f"worker-{w}" for w in range(4)}
