"""The deployments served by ``coursier serve``: names, schedule, forms for the UI, and what
serve sets up so that killed runs end Crashed."""

from __future__ import annotations

import json
import socket

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import parameter_schema

from coursier.deployments import serving
from coursier.deployments.serving import RETURNS_CONTROL_CRON, deployments
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS


def test_both_flows_are_deployed_with_the_returns_control_scheduled():
    deposit, returns = deployments()
    assert (deposit.name, returns.name) == ("dsn-deposit", "dsn-returns-control")
    assert not deposit.schedules
    [schedule] = returns.schedules
    assert schedule.schedule.cron == RETURNS_CONTROL_CRON


def test_the_deposit_form_asks_for_ids_and_choices_never_secrets():
    form = parameter_schema(dsn_deposit)  # what the deployment gives the UI to render
    properties = form.properties
    assert {"dossier", "files", "inbox", "platform", "retry_failed_of", "operator"} <= set(
        properties
    )
    assert form.required == ["dossier"]
    assert "izilio" in json.dumps(properties["platform"])
    assert not any("password" in name or "token" in name for name in properties)


def test_serve_ensures_the_zombie_automation_then_serves_with_heartbeats(monkeypatch):
    calls: list[tuple[str, object, dict]] = []
    monkeypatch.setattr(
        serving, "ensure_zombie_automation", lambda flows, **kw: calls.append(("ensure", flows, kw))
    )
    monkeypatch.setattr(serving, "serve", lambda *deps, **kw: calls.append(("serve", deps, kw)))
    serving.serve_all(limit=3)
    (_, flows, ensure_options), (_, served, serve_options) = calls
    assert flows == {"dsn-deposit", "dsn-returns"}
    assert ensure_options == {"heartbeat_seconds": HEARTBEAT_SECONDS}
    assert [d.name for d in served] == ["dsn-deposit", "dsn-returns-control"]
    assert serve_options == {
        "limit": 3,
        "pause_on_shutdown": False,
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }
    assert HEARTBEAT_SECONDS == 30  # Prefect's minimum: the automation's window is 3 x 30 s


def test_serve_without_prefect_api_says_what_to_do(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(serving, "serve", lambda *a, **kw: pytest.fail("served without an API"))
    with (
        temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}),
        pytest.raises(SystemExit) as stopped,
    ):
        serving.serve_all(limit=1)
    assert str(stopped.value) == (
        "coursier serve : l'API Prefect ne répond pas (ConnectError) : démarrez le serveur "
        "Prefect ou vérifiez PREFECT_API_URL."
    )
    assert stopped.value.__cause__ is None
