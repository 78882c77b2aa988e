"""The Cegid Flow store on SQLite and PostgreSQL: a send claimed by one run at a time, taken
over only once its holder's lease ran out or its fate is unknown, final once done; onboardings
and watch days upserted on their keys."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from coursier.store import open_store
from coursier.store.cegid import (
    claim_send,
    onboarded,
    recent_watch_days,
    record_onboardings,
    record_watch_days,
    settle_send,
)
from coursier.store.cegid_tables import CegidSend
from coursier.store.tables import utcnow

LEASE = timedelta(seconds=60)


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def claim(store, run_id, target="CF-1/c1"):
    return claim_send(
        store,
        account_key="acct",
        action="service-proposal",
        target=target,
        dossier="CF-1",
        run_id=run_id,
        lease=LEASE,
    )


def test_one_run_claims_the_other_sees_it_held_then_done(store):
    first = claim(store, "run-a")
    assert first.outcome == "claimed"
    held = claim(store, "run-b")
    assert (held.outcome, held.holder) == ("held", "run-a")
    with store.begin() as session:
        assert settle_send(session, first.send_id, "run-a", "done", {"id": "p1"})
    done = claim(store, "run-b")
    assert (done.outcome, done.result) == ("done", {"id": "p1"})


def test_an_unknown_send_or_a_dead_holder_is_taken_over_to_reconcile(store):
    first = claim(store, "run-a")
    with store.begin() as session:
        settle_send(session, first.send_id, "run-a", "unknown")
    assert claim(store, "run-b").outcome == "claimed"
    with store.begin() as session:  # run-b dies holding it
        session.execute(update(CegidSend).values(claimed_at=utcnow() - 2 * LEASE))
    taken = claim(store, "run-c")
    assert taken.outcome == "claimed"
    with store.begin() as session:
        assert not settle_send(session, taken.send_id, "run-b", "done", {})  # too late
        assert settle_send(session, taken.send_id, "run-c", "done", {})


def test_of_many_runs_claiming_at_once_one_wins(store):
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def racer(n: int) -> None:
        barrier.wait()
        outcomes.append(claim(store, f"run-{n}").outcome)

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed"] + ["held"] * 7


def test_onboardings_and_watch_days_are_upserted(store):
    row = {
        "dossier": "CF-1",
        "status": "failed",
        "message": "x",
        "contact_id": None,
        "flow_run_id": "r1",
        "details": {},
    }
    with store.begin() as session:
        record_onboardings(session, [row, {**row, "dossier": "CF-2", "status": "ready"}])
    with store.begin() as session:
        record_onboardings(session, [{**row, "status": "ready", "contact_id": "c1"}])
    with store.read() as session:
        assert [(o.dossier, o.contact_id) for o in onboarded(session)] == [
            ("CF-1", "c1"),
            ("CF-2", None),
        ]
    day = {
        "dossier": "CF-1",
        "expected": 10,
        "received": 9,
        "missing": 1,
        "replayed": 1,
        "still_missing": 0,
        "flow_run_id": "r1",
    }
    with store.begin() as session:
        record_watch_days(session, [{**day, "day": date(2026, 12, n)} for n in (1, 2, 3)])
        record_watch_days(session, [{**day, "day": date(2026, 12, 3), "missing": 0}])
    with store.read() as session:
        recent = recent_watch_days(session, ["CF-1", "CF-9"], date(2026, 12, 4), 2)
    assert [(r.day.day, r.missing) for r in recent["CF-1"]] == [(3, 0), (2, 1)]
    assert recent["CF-9"] == []
