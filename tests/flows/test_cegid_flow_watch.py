"""The Cegid Flow watch against the sandbox's change stream: dropped messages found and
replayed with partialInit (at most 20 days per entity), a second watch finds nothing missing,
an edit (a delete then an insert) counted as one change, a dossier whose replays are lost too
failed then flagged when it keeps missing, retry_failed_of replays again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from prefect.states import StateType

from coursier.flows.cegid_flow_init import cegid_flow_init
from coursier.flows.cegid_flow_watch import cegid_flow_watch
from coursier.sandbox.faults import Fault
from coursier.store import open_store
from coursier.store.cegid import recent_watch_days
from tests.flows import test_cegid_support as support
from tests.flows.test_cegid_support import artifacts_of, outcomes, table_of

cegid_sandbox, loop, cegid_world = support.cegid_sandbox, support.loop, support.cegid_world
DAY = date(2026, 12, 2)
ACTIVE = ("CF-PRET-01", "CF-PRET-02")


@pytest.fixture
def active(cegid_world, loop):
    """Two dossiers onboarded ready: the watch's."""
    state = cegid_flow_init(dossiers=list(ACTIVE), return_state=True)
    assert state.type == StateType.COMPLETED
    return cegid_world


def watch(**parameters):
    return cegid_flow_watch(operator="gestionnaire", return_state=True, **parameters)


def missing_at_flow(loop, code, day):
    """The changes of the report some message of which Flow does not have (the sandbox's own
    account, independent of the flow's comparison)."""
    keys = loop.flow[code].keys
    return [
        c
        for c in loop.report(code, day)
        if any((m["entity"], m["id"], m["timestamp"], m["event"]) not in keys for m in c.messages())
    ]


def test_dropped_changes_are_found_replayed_and_a_second_watch_finds_none(active, loop):
    loop.emit_changes("CF-PRET-01", DAY, 2000, drop_rate=0.01)
    loop.emit_changes("CF-PRET-02", DAY, 500)
    lost = missing_at_flow(loop, "CF-PRET-01", DAY)
    assert lost
    first = watch(day=DAY)
    assert first.type == StateType.COMPLETED
    found = outcomes(active, first)
    assert found["CF-PRET-01"].details["missing"] == len(lost)
    assert found["CF-PRET-01"].details["still_missing"] == 0
    assert found["CF-PRET-02"].details["missing"] == 0
    assert missing_at_flow(loop, "CF-PRET-01", DAY) == []
    replays = [t for (a, t), n in loop.sends.items() if a == "partial-init"]
    assert {t.split("/")[1] for t in replays} == {c.entity for c in lost}
    [table] = artifacts_of(first, "cegid-flow-watch")
    rows = {r["Dossier"]: r for r in table_of(table)}
    assert rows["CF-PRET-01"]["Manquants"] == len(lost)
    assert rows["CF-PRET-01"]["Toujours manquants"] == 0
    assert rows["CF-PRET-01"]["Changements (rapport)"] == 2000
    second = watch(day=DAY)
    again = {code: o for code, o in outcomes(active, second).items() if o.status == "ok"}
    assert set(again) == set(ACTIVE)
    assert all(o.details["missing"] == 0 for o in again.values())
    assert len([t for (a, t), n in loop.sends.items() if a == "partial-init"]) == len(replays)


def test_an_edit_arrives_as_a_delete_then_an_insert_and_counts_once(active, loop):
    loop.emit_changes("CF-PRET-01", DAY, 300, edits=0.5)
    report = loop.report("CF-PRET-01", DAY)
    edits = sum(c.entity == "EcritureComptable" and c.operation == "Updated" for c in report)
    assert edits > 50
    state = watch(day=DAY, dossiers=["CF-PRET-01"])
    [table] = artifacts_of(state, "cegid-flow-watch")
    [row] = table_of(table)
    assert row["Changements (rapport)"] == 300
    assert row["dont modifications d'écritures"] == edits
    assert row["Messages reçus par Flow"] == 300 + edits
    assert row["Reçus"] == 300
    assert row["Manquants"] == 0


def test_an_edit_losing_its_insert_is_missing_and_replayed(active, loop):
    loop.emit_changes("CF-PRET-01", DAY, 50, edits=1.0)
    flow = loop.flow["CF-PRET-01"]
    victim = next(c for c in loop.report("CF-PRET-01", DAY) if c.entity == "EcritureComptable")
    insert = victim.messages()[1]
    flow.messages[DAY].remove(insert)
    flow.keys.discard((insert["entity"], insert["id"], insert["timestamp"], insert["event"]))
    state = watch(day=DAY, dossiers=["CF-PRET-01"])
    found = outcomes(active, state)["CF-PRET-01"]
    assert found.details["missing"] == 1
    assert found.details["still_missing"] == 0
    assert missing_at_flow(loop, "CF-PRET-01", DAY) == []


def test_a_dossier_whose_replays_are_lost_fails_then_is_flagged(active, loop):
    loop.dropping_replays.add("CF-PRET-02")
    for n in range(3):
        day = DAY + timedelta(days=n)
        loop.emit_changes("CF-PRET-02", day, 400, drop_rate=0.02)
        loop.emit_changes("CF-PRET-01", day, 400, drop_rate=0.02 if n != 1 else 0)
        state = watch(day=day)
        assert state.name == "Partial"
        found = outcomes(active, state)
        assert found["CF-PRET-02"].status == "failed"
        assert found["CF-PRET-02"].error_code == "still_missing"
        assert found["CF-PRET-02"].details["flagged"] is (n == 2)
        assert found["CF-PRET-01"].details["flagged"] is False
    [summary] = artifacts_of(state, "cegid-flow-watch-resume")
    assert "CF-PRET-02 : perd des changements jour après jour" in summary.data
    loop.dropping_replays.clear()
    retry = watch(day=day, retry_failed_of="last")
    assert set(outcomes(active, retry)) == {"CF-PRET-02"}
    assert outcomes(active, retry)["CF-PRET-02"].details["still_missing"] == 0
    with open_store(active.effective_database_url()) as store, store.read() as session:
        [today] = recent_watch_days(session, ["CF-PRET-02"], day + timedelta(days=1), 1)[
            "CF-PRET-02"
        ]
    assert today.still_missing == 0


def test_a_catch_up_over_twenty_days_replays_in_windows_loop_accepts(active, loop):
    first, last = DAY - timedelta(days=19), DAY
    loop.emit_changes("CF-PRET-01", first, 300, drop_rate=0.05)
    loop.emit_changes("CF-PRET-01", last, 300, drop_rate=0.05)
    state = watch(day=last, days=20, dossiers=["CF-PRET-01"])
    assert state.type == StateType.COMPLETED, state.message
    found = outcomes(active, state)["CF-PRET-01"]
    assert found.details["missing"] > 0
    assert found.details["still_missing"] == 0


def test_reads_cut_by_5xx_are_retried(active, loop):
    loop.emit_changes("CF-PRET-01", DAY, 100, drop_rate=0.05)
    loop.faults.set(Fault(route="flow", kind="status", status=503, count=2, retry_after=0))
    state = watch(day=DAY, dossiers=["CF-PRET-01"])
    assert state.type == StateType.COMPLETED


def test_nothing_active_is_nothing_to_watch(cegid_world, loop):
    state = watch(day=DAY)
    assert state.type == StateType.COMPLETED
    assert "lancez d'abord cegid-flow-init" in state.message


def test_a_dossier_not_onboarded_yet_is_skipped_saying_so(active, loop):
    state = watch(day=DAY, dossiers=["CF-PRET-01", "CF-PRET-03"])
    found = outcomes(active, state)
    assert found["CF-PRET-01"].status == "ok"
    assert found["CF-PRET-03"].status == "skipped"
    assert "lancez cegid-flow-init" in found["CF-PRET-03"].message
