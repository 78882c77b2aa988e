"""The HR sync's store on SQLite and PostgreSQL: history and failures read back, and the create
claims: held by one run at a time, left unsettled by a run that is gone, taken over only after
reconciling, released when Payflip refused."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from coursier.models.hr_failures import failure
from coursier.store import open_store
from coursier.store.hr_sync import (
    HistoryIn,
    claim_creates,
    failures_of,
    history,
    record_failures,
    record_history,
    release_creates,
    settle_creates,
    take_over,
)

CO = "0403170701"


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def test_history_and_failures_read_back(store):
    started = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    with store.begin() as session:
        for run, status in (("run-1", "partial"), ("run-2", "success")):
            record_history(
                session,
                HistoryIn(run, CO, "cch-001", "nightly", status, "…", started, 1, 2, 3, 1),
            )
        record_failures(
            session,
            "run-1",
            CO,
            [failure("000007", "Emma Peeters", "e@x.be", "account_exists")] * 2,
        )
    with store.read() as session:
        assert [r.flow_run_id for r in history(session, CO)] == ["run-2", "run-1"]
        assert history(session, "0202239951") == []
        [failed] = failures_of(session, "run-1")
        assert (failed.employee_number, failed.code) == ("000007", "account_exists")
        assert "support Payflip" in failed.action


def test_a_claim_is_held_then_unsettled_then_taken_over_after_reconciling(store):
    numbers = ["000001", "000002"]
    with store.begin() as session:
        first = claim_creates(session, CO, numbers, "run-1", live={"run-1"})
    assert first.claimed == numbers
    with store.begin() as session:
        second = claim_creates(session, CO, numbers, "run-2", live={"run-1", "run-2"})
    assert (second.claimed, second.held) == ([], numbers)
    with store.begin() as session:  # run-1 is gone, its creates' fate unknown
        third = claim_creates(session, CO, numbers, "run-2", live={"run-2"})
        assert third.unsettled == numbers
        settle_creates(session, CO, {"000001": "emp-1"})  # found in Payflip
        assert take_over(session, CO, ["000002"], "run-2") == ["000002"]
    with store.begin() as session:
        again = claim_creates(session, CO, ["000002"], "run-3", live={"run-2", "run-3"})
    assert again.held == ["000002"]


def test_refused_creates_are_released_and_created_ones_claimed_again(store):
    with store.begin() as session:
        claim_creates(session, CO, ["000001", "000002"], "run-1", live=set())
        release_creates(session, CO, ["000002"], "run-1")
        settle_creates(session, CO, {"000001": "emp-1"})
    with store.begin() as session:
        claims = claim_creates(session, CO, ["000001", "000002"], "run-2", live=set())
    assert sorted(claims.claimed) == ["000001", "000002"]


def test_two_runs_at_once_never_both_hold_a_create(store_url):
    numbers = [f"{i:06d}" for i in range(200)]
    won: dict[str, list[str]] = {}
    barrier = threading.Barrier(2)

    def claim(run: str) -> None:
        with open_store(store_url) as mine:
            barrier.wait()
            with mine.begin() as session:
                won[run] = claim_creates(session, CO, numbers, run, {"a", "b"}).claimed

    threads = [threading.Thread(target=claim, args=(run,)) for run in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won["a"] + won["b"]) == numbers
