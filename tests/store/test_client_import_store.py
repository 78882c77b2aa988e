"""Client-import claims on SQLite and PostgreSQL: a create is claimed once; another live run's
claim is held; a dead run's or a cut's is unsettled until looked up, then taken over or
settled; a settled one is never sent again."""

from __future__ import annotations

import pytest

from coursier.store import open_store
from coursier.store.claims import drop_lease
from coursier.store.client_import import (
    Verdict,
    claim_send,
    hold_lease,
    record_plan,
    sends_of,
    settle,
    take_over,
)
from coursier.store.client_import_tables import ClientImportPlan

ACCOUNT = "accounton|https://api.accounton.be|firm"


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def claim(store, run: str, target: str = "85073003328"):
    return claim_send(
        store, account_key=ACCOUNT, action="create", target=target, dossier="CAB", run_id=run
    )


def test_a_create_is_claimed_once_then_settled_for_good(store) -> None:
    hold_lease(store, "run-1", "client-import")
    hold_lease(store, "run-2", "client-import")
    first = claim(store, "run-1")
    assert first.verdict is Verdict.CLAIMED
    assert claim(store, "run-2").verdict is Verdict.HELD
    with store.begin() as session:
        settle(session, first.row_id, "done", {"customer_id": "cus-1"})
    again = claim(store, "run-2")
    assert again.verdict is Verdict.DONE
    assert again.result == {"customer_id": "cus-1"}
    assert not take_over(store, first.row_id, "run-2")
    assert sends_of(store, ACCOUNT, "create") == [
        {
            "target": "85073003328",
            "state": "done",
            "attempts": 1,
            "result": {"customer_id": "cus-1"},
        }
    ]


def test_a_dead_runs_claim_is_unsettled_and_taken_over_once(store) -> None:
    hold_lease(store, "dead", "client-import")
    held = claim(store, "dead")
    with store.begin() as session:
        drop_lease(session, "dead")
    hold_lease(store, "run-2", "client-import")
    hold_lease(store, "run-3", "client-import")
    assert claim(store, "run-2").verdict is Verdict.UNSETTLED
    assert take_over(store, held.row_id, "run-2")
    assert claim(store, "run-3").verdict is Verdict.HELD  # run-2 holds it now
    assert not take_over(store, held.row_id, "run-3")


def test_a_cut_leaves_the_outcome_unknown_until_a_look_up(store) -> None:
    hold_lease(store, "run-1", "client-import")
    held = claim(store, "run-1")
    with store.begin() as session:
        settle(session, held.row_id, "unknown", {})
    hold_lease(store, "run-2", "client-import")
    assert claim(store, "run-2").verdict is Verdict.UNSETTLED
    assert take_over(store, held.row_id, "run-2")
    assert sends_of(store, ACCOUNT, "create")[0]["attempts"] == 2


def test_plans_are_recorded(store) -> None:
    record_plan(
        store,
        dossier="CAB",
        source="adminpulse",
        taskflow=None,
        flow_run_id="r",
        counts={"new": 3},
    )
    with store.read() as session:
        assert session.query(ClientImportPlan).one().counts == {"new": 3}
