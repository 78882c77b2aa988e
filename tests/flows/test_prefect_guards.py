"""Prefect's side of exactly-once: one run per dossier at a time, and a heartbeat like Prefect's."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from prefect import flow, tags
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
from prefect.events.clients import AssertingEventsClient
from prefect.events.worker import EventsWorker
from prefect.runtime import flow_run
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.testing.fixtures import asserting_events_worker  # noqa: F401 - a fixture

from coursier.tasks.prefect_guards import (
    HEARTBEAT_EVENT,
    DossierBusy,
    dossier_slot,
    emit_flow_run_heartbeat,
    flow_heartbeats,
    slot_name,
)

pytestmark = pytest.mark.usefixtures("prefect_api")
HOLD = 0.5


@pytest.fixture
def dossier() -> str:
    """A dossier code of its own per test, as users write them (the limits outlive a test)."""
    return f"CCH/{uuid.uuid4().hex[:6]} é"


@pytest.fixture
def prefect_logs(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    monkeypatch.setattr(logging.getLogger("prefect"), "propagate", True)
    return caplog


@pytest.fixture
def unreachable_api() -> Iterator[None]:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
        yield


def spans(codes: list[str]) -> list[tuple[str, float, float]]:
    """Each run's (dossier, entered, left): one flow run per code, called directly in its own
    thread, holding the dossier's slot ``HOLD`` s."""
    results: list[tuple[str, float, float]] = []
    start = threading.Barrier(len(codes))

    def hold(code: str) -> None:
        with dossier_slot("dsn-deposit", code) as held:
            assert held
            entered = time.monotonic()
            time.sleep(HOLD)
            results.append((code, entered, time.monotonic()))

    @flow(name="slot-probe")
    def probe(code: str) -> None:
        hold(code)

    def run(code: str) -> None:
        start.wait()
        probe(code)

    threads = [threading.Thread(target=run, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == len(codes)
    return sorted(results, key=lambda span: span[1])


def test_two_runs_of_one_dossier_take_turns(dossier):
    (_, _, first_left), (_, second_entered, _) = spans([dossier, dossier])
    assert second_entered >= first_left


def test_runs_of_two_dossiers_do_not_wait_for_each_other(dossier):
    both_inside = threading.Barrier(2, timeout=30)  # broken unless both hold their slot at once
    passed: list[str] = []

    def hold(code: str) -> None:
        with dossier_slot("dsn-deposit", code):
            both_inside.wait()
            passed.append(code)

    threads = [threading.Thread(target=hold, args=(code,)) for code in (dossier, dossier + "-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(passed) == [dossier, dossier + "-2"]


def test_the_limit_is_named_in_slugs_created_once_and_kept_at_one(dossier):
    name = slot_name("dsn-deposit", dossier)
    assert name == f"coursier--dsn-deposit--cch-{dossier[4:10]}-e"
    with dossier_slot("dsn-deposit", dossier):
        pass
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=3))
    with dossier_slot("dsn-deposit", dossier), get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
        assert (limit.limit, limit.active_slots) == (1, 1)
        names = [gcl.name for gcl in client.read_global_concurrency_limits(limit=200)]
        assert names.count(name) == 1
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(name).active_slots == 0


def test_a_run_that_cannot_wait_longer_says_the_dossier_is_busy(dossier):
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            with dossier_slot("dsn-deposit", dossier, timeout_seconds=1):
                pass
        except DossierBusy as busy:
            outcome.append(busy)

    with dossier_slot("dsn-deposit", dossier):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=30)
    [busy] = outcome
    assert f"Dossier {dossier} : une autre exécution de dsn-deposit le traite" in str(busy)
    with dossier_slot("dsn-deposit", dossier, timeout_seconds=5) as held:  # nothing leaked
        assert held


def test_an_unreachable_api_lets_the_run_go_on_with_a_warning(
    dossier, unreachable_api, prefect_logs
):
    started = time.monotonic()
    ran = False
    with dossier_slot("dsn-deposit", dossier) as held:
        ran = True
    assert ran
    assert held is False
    assert time.monotonic() - started < 30  # it gave up instead of waiting for the API
    [warning] = [r for r in prefect_logs.records if r.levelno == logging.WARNING]
    assert "l'API Prefect ne répond pas (ConnectError)" in warning.getMessage()
    assert "réservation du store empêche toujours un double dépôt" in warning.getMessage()
    assert warning.exc_info is None


def test_the_heartbeat_is_the_engines_own(asserting_events_worker: EventsWorker):  # noqa: F811
    @flow(name="heartbeat-probe")
    def probe() -> str:
        emit_flow_run_heartbeat(flow_run.get_id())
        return flow_run.get_id()

    with flow_heartbeats(), tags("dsn"):
        run_id = probe()
    asserting_events_worker.drain()
    client = asserting_events_worker._client
    assert isinstance(client, AssertingEventsClient)
    beats = [e for e in client.events if e.event == HEARTBEAT_EVENT]
    assert len(beats) == 2  # the engine's, at the start of the run, then ours
    engines, ours = beats
    assert ours.resource == engines.resource
    assert ours.resource.id == f"prefect.flow-run.{run_id}"
    assert ours.related == engines.related
    assert {r.role for r in ours.related} == {"flow", "tag"}


def test_a_heartbeat_without_api_is_a_warning_not_a_traceback(unreachable_api, prefect_logs):
    assert emit_flow_run_heartbeat(uuid.uuid4()) is None
    [warning] = [r for r in prefect_logs.records if r.levelno >= logging.WARNING]
    assert "Battement de cœur de l'exécution" in warning.getMessage()
    assert warning.exc_info is None
