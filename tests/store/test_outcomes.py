"""Per-item outcomes: upsert per run, the failed subset, the latest run, the summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, StatementError

from coursier.store import (
    ItemOutcome,
    OutcomeIn,
    Store,
    failed_item_keys,
    latest_run_id,
    open_store,
    outcomes_of,
    record_outcomes,
    run_summary,
)
from coursier.store.outcomes import upsert_statement


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as store:
        yield store


def test_recording_an_item_twice_in_a_run_keeps_one_row_with_the_latest_outcome(
    store: Store,
) -> None:
    with store.begin() as session:
        record_outcomes(
            session,
            "run-1",
            "deposit",
            [OutcomeIn("a.dsn", "failed", "E503", "platform down", {"attempt": 1})],
        )
    with store.begin() as session:
        record_outcomes(session, "run-1", "deposit", [OutcomeIn("a.dsn", "ok")])
        rows = outcomes_of(session, "run-1")
    assert len(rows) == 1
    row = rows[0]
    assert (row.item_key, row.status, row.error_code, row.message) == ("a.dsn", "ok", None, None)
    assert row.details == {}
    assert row.recorded_at.tzinfo is UTC


def test_the_same_item_twice_in_one_batch_keeps_the_last(store: Store) -> None:
    with store.begin() as session:
        written = record_outcomes(
            session,
            "run-1",
            "sync",
            [OutcomeIn("emp-1", "ok"), OutcomeIn("emp-2", "ok"), OutcomeIn("emp-1", "failed")],
        )
        statuses = {o.item_key: o.status for o in outcomes_of(session, "run-1")}
    assert written == 2
    assert statuses == {"emp-1": "failed", "emp-2": "ok"}


def test_same_item_in_two_runs_is_two_rows(store: Store) -> None:
    with store.begin() as session:
        record_outcomes(session, "run-1", "sync", [OutcomeIn("emp-1", "failed")])
        record_outcomes(session, "run-2", "sync", [OutcomeIn("emp-1", "ok")])
        assert [o.status for o in outcomes_of(session, "run-1")] == ["failed"]
        assert [o.status for o in outcomes_of(session, "run-2")] == ["ok"]


def test_failed_item_keys_are_exactly_the_failed_ones_of_that_run(store: Store) -> None:
    with store.begin() as session:
        record_outcomes(
            session,
            "run-1",
            "returns",
            [
                OutcomeIn("assoc-1", "ok"),
                OutcomeIn("assoc-2", "failed", "XSD", "schema error"),
                OutcomeIn("assoc-3", "skipped"),
                OutcomeIn("assoc-4", "failed", "HTTP-500"),
            ],
        )
        record_outcomes(session, "run-2", "returns", [OutcomeIn("assoc-9", "failed")])
        assert failed_item_keys(session, "run-1") == ["assoc-2", "assoc-4"]
        assert failed_item_keys(session, "unknown-run") == []


def test_latest_run_id_picks_the_newest_run_of_that_flow(store: Store) -> None:
    with store.begin() as session:
        assert latest_run_id(session, "deposit") is None
        record_outcomes(session, "run-old", "deposit", [OutcomeIn("a", "failed")])
        record_outcomes(session, "run-new", "deposit", [OutcomeIn("a", "ok")])
        record_outcomes(session, "run-other", "sync", [OutcomeIn("a", "ok")])
        assert latest_run_id(session, "deposit") == "run-new"
        assert latest_run_id(session, "sync") == "run-other"


def test_run_summary_counts_every_status(store: Store) -> None:
    with store.begin() as session:
        record_outcomes(
            session,
            "run-1",
            "sync",
            [OutcomeIn("a", "ok"), OutcomeIn("b", "ok"), OutcomeIn("c", "failed")],
        )
        assert run_summary(session, "run-1") == {"ok": 2, "failed": 1, "skipped": 0}
        assert run_summary(session, "unknown-run") == {"ok": 0, "failed": 0, "skipped": 0}


def test_empty_batch_writes_nothing(store: Store) -> None:
    with store.begin() as session:
        assert record_outcomes(session, "run-1", "sync", []) == 0
        assert outcomes_of(session, "run-1") == []


def test_unknown_status_is_refused_by_the_model() -> None:
    with pytest.raises(ValueError, match="'done'"):
        OutcomeIn("a", "done")  # type: ignore[arg-type]


def test_unknown_status_is_refused_by_the_database(store: Store) -> None:
    insert = text(
        "INSERT INTO item_outcomes (flow_run_id, flow, item_key, status, recorded_at)"
        " VALUES ('run-1', 'sync', 'a', 'done', '2025-01-01 00:00:00')"
    )
    with pytest.raises(IntegrityError, match="ck_item_outcomes_status"), store.begin() as session:
        session.execute(insert)
    with store.begin() as session:
        assert outcomes_of(session, "run-1") == []


def test_naive_datetimes_are_refused(store: Store) -> None:
    row = ItemOutcome(
        flow_run_id="run-1",
        flow="sync",
        item_key="a",
        status="ok",
        recorded_at=datetime(2025, 1, 1),
    )
    with pytest.raises(StatementError, match="naive datetime"), store.begin() as session:
        session.add(row)


def test_postgresql_upsert_conflicts_on_run_and_item() -> None:
    sql = str(upsert_statement("postgresql").compile(dialect=postgresql.dialect()))
    assert "ON CONFLICT (flow_run_id, item_key) DO UPDATE SET" in sql
    assert "status = excluded.status" in sql


def test_other_databases_are_told_the_upsert_is_not_written_for_them() -> None:
    with pytest.raises(ValueError, match="mysql"):
        upsert_statement("mysql")
