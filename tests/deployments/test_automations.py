"""The zombie automation: created once, read back as Prefect's documented one, and it works.

The test harness runs Prefect's trigger services, proactive evaluation included (every 5 s), so
the last test watches the automation crash a silent run, end to end, with a 12 s window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from prefect import flow
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, Posture
from prefect.states import Completed, Running

from coursier.deployments.automations import (
    AUTOMATION_NAME,
    ensure_zombie_automation,
    zombie_automation,
)
from coursier.tasks.prefect_guards import emit_flow_run_heartbeat

pytestmark = pytest.mark.usefixtures("prefect_api")
FLOWS = ["dsn-deposit", "dsn-returns"]


@pytest.fixture(autouse=True)
def no_automation() -> Iterator[None]:
    """Each test starts and ends without the automation (the harness outlives a test)."""

    def delete_all() -> None:
        with get_client(sync_client=True) as client:
            for automation in client.read_automations_by_name(AUTOMATION_NAME):
                client.delete_automation(automation.id)

    delete_all()
    yield
    delete_all()


def stored() -> list:
    with get_client(sync_client=True) as client:
        return client.read_automations_by_name(AUTOMATION_NAME)


def test_it_is_created_once_however_often_it_is_ensured(monkeypatch):
    ids = {ensure_zombie_automation(FLOWS)}
    updates: list[object] = []
    monkeypatch.setattr(SyncPrefectClient, "update_automation", lambda *a: updates.append(a))
    ids |= {ensure_zombie_automation(FLOWS) for _ in range(2)}
    [automation] = stored()
    assert ids == {automation.id}
    assert updates == []  # read back equal to what is wanted: nothing rewritten
    assert automation.enabled
    assert "battement de cœur depuis 90 s" in automation.description


def test_it_reads_back_as_prefects_zombie_flows_automation():
    ensure_zombie_automation(FLOWS)
    [automation] = stored()
    trigger = automation.trigger
    assert trigger.posture == Posture.Proactive
    assert trigger.after == {"prefect.flow-run.heartbeat"}
    assert trigger.expect == {"prefect.flow-run.*"}  # heartbeats and every state, Partial too
    assert trigger.for_each == {"prefect.resource.id"}
    assert trigger.threshold == 1
    assert trigger.within == timedelta(seconds=90)  # three heartbeats of 30 s
    assert trigger.match.model_dump() == {"prefect.resource.id": ["prefect.flow-run.*"]}
    assert trigger.match_related.model_dump() == {
        "prefect.resource.role": "flow",
        "prefect.resource.name": FLOWS,
    }
    [action] = automation.actions
    assert isinstance(action, ChangeFlowRunState)
    assert action.state == StateType.CRASHED
    assert not action.force  # Prefect then refuses to crash a run that already ended
    assert action.message.startswith("Exécution arrêtée sans prévenir : aucun battement")


def test_a_drifted_copy_is_put_back_and_a_second_one_removed():
    kept = ensure_zombie_automation(FLOWS)
    drifted = zombie_automation(FLOWS, heartbeat_seconds=60)
    with get_client(sync_client=True) as client:
        client.update_automation(
            kept, AutomationCore(**drifted.model_dump(exclude={"id", "owner_resource"}))
        )
        client.create_automation(AutomationCore(**drifted.model_dump(exclude={"id"})))
    first = min((a.id for a in stored()), key=str)  # what every server keeps, racing or not
    assert ensure_zombie_automation(FLOWS) == first
    [automation] = stored()
    assert automation.id == first
    assert automation.trigger.within == timedelta(seconds=90)


def test_one_disabled_in_the_ui_stays_disabled_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(logging.getLogger("prefect"), "propagate", True)
    automation_id = ensure_zombie_automation(FLOWS)
    with get_client(sync_client=True) as client:
        client.pause_automation(automation_id)
    ensure_zombie_automation(FLOWS)
    [automation] = stored()
    assert not automation.enabled
    assert "est désactivée : une exécution tuée restera Running" in caplog.text


@flow(name="zombie-probe")
def probe() -> None:
    """Never run: its runs are created by hand to play dead, live or finished."""


@flow(name="other-team")
def foreign() -> None:
    """Another team's flow on the same server."""


@pytest.mark.long
def test_a_silent_run_ends_crashed_a_beating_or_finished_one_does_not():
    ensure_zombie_automation(["zombie-probe"], heartbeat_seconds=4)  # a 12 s window
    time.sleep(1)  # the trigger service picks the new automation up
    with get_client(sync_client=True) as client:
        runs = {
            name: client.create_flow_run(probe, state=Running())
            for name in ("killed", "alive", "finished")
        }
        runs["elsewhere"] = client.create_flow_run(foreign, state=Running())
        for run in runs.values():
            emit_flow_run_heartbeat(run.id)
        client.set_flow_run_state(runs["finished"].id, Completed(name="Partial"))
        stop = threading.Event()
        beating = threading.Thread(target=beat, args=(runs["alive"].id, stop), daemon=True)
        beating.start()
        try:
            deadline = time.monotonic() + 60
            while client.read_flow_run(runs["killed"].id).state.type != StateType.CRASHED:
                assert time.monotonic() < deadline, "the silent run never became Crashed"
                time.sleep(1)
            time.sleep(
                3
            )  # the actions of the same evaluation pass, for the runs that must not crash
            states = {name: client.read_flow_run(run.id).state for name, run in runs.items()}
        finally:
            stop.set()
            beating.join()
    assert "aucun battement de cœur depuis 12 s" in states["killed"].message
    assert states["alive"].type == StateType.RUNNING
    assert (states["finished"].type, states["finished"].name) == (StateType.COMPLETED, "Partial")
    assert states["elsewhere"].type == StateType.RUNNING


def beat(flow_run_id, stop: threading.Event) -> None:
    while not stop.wait(2):
        emit_flow_run_heartbeat(flow_run_id)
