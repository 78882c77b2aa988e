"""The deployments served by ``coursier serve``: names, schedule, forms for the UI, and what
serve sets up so that killed runs end Crashed."""

from __future__ import annotations

import json
import socket

import pytest
from prefect.exceptions import ParameterTypeError
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import parameter_schema

from coursier.deployments import serving
from coursier.deployments.dsn_procedure import RETURNS_CONTROL_CRON
from coursier.deployments.serving import deployments
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS


def test_both_dsn_flows_are_deployed_with_the_returns_control_scheduled_in_paris():
    deposit, returns = (d for d in deployments() if d.name.startswith("dsn-"))
    assert (deposit.name, returns.name) == ("dsn-deposit", "dsn-returns-control")
    assert not deposit.schedules
    [schedule] = returns.schedules
    assert schedule.schedule.cron == RETURNS_CONTROL_CRON
    # Office hours are French office hours, summer and winter alike, not UTC's.
    assert schedule.schedule.timezone == "Europe/Paris"


FRENCH_TITLES = {
    "dsn-deposit": {
        "dossier": "Dossier",
        "files": "Fichiers",
        "inbox": "Répertoire de dépôt",
        "platform": "Plateforme",
        "follow_returns_minutes": "Suivi des retours (minutes)",
        "retry_failed_of": "Relancer les échecs de",
        "operator": "Gestionnaire",
    },
    "dsn-returns-control": {
        "dossiers": "Dossiers",
        "retry_failed_of": "Relancer les échecs de",
        "operator": "Gestionnaire",
    },
}


@pytest.mark.parametrize("deployment", deployments(), ids=lambda d: d.name)
def test_every_form_field_has_a_title_and_a_description_of_its_own(deployment):
    form = deployment._parameter_openapi_schema  # what the UI renders
    for name, field in form.properties.items():
        assert field["title"] != name, name  # Prefect's own title is the parameter's name
        assert len(field.get("description") or "") > 20, name
        assert name in form.required or "default" in field, name  # a default the form shows


@pytest.mark.parametrize(
    "deployment", [d for d in deployments() if d.name in FRENCH_TITLES], ids=lambda d: d.name
)
def test_the_dsn_forms_speak_french(deployment):
    form = deployment._parameter_openapi_schema
    titles = {name: field["title"] for name, field in form.properties.items()}
    assert titles == FRENCH_TITLES[deployment.name]


def test_the_deposit_form_asks_for_ids_and_choices_never_secrets():
    form = parameter_schema(dsn_deposit)  # what the deployment gives the UI to render
    properties = form.properties
    assert {"dossier", "files", "inbox", "platform", "retry_failed_of", "operator"} <= set(
        properties
    )
    assert form.required == ["dossier"]
    [choice, empty] = properties["platform"]["anyOf"]
    assert choice["enum"] == ["net-entreprises", "izilio"]
    assert (empty["type"], empty["title"]) == ("null", "Celle du dossier")
    assert properties["platform"]["default"] is None
    assert properties["follow_returns_minutes"]["default"] == 2.0
    retry = properties["retry_failed_of"]["anyOf"]
    assert {"enum": ["last"]}.items() <= retry[0].items()
    assert retry[1]["format"] == "uuid"
    assert json.dumps(properties["retry_failed_of"]).count("last") >= 2  # the choice, and its help
    assert not any("password" in name or "token" in name for name in properties)


@pytest.mark.parametrize(
    ("parameters", "wrong"),
    [
        ({"dossier": "BOUL-01", "platform": "net-entreprise"}, "platform"),
        ({"dossier": "BOUL-01", "follow_returns_minutes": -1}, "follow_returns_minutes"),
        ({"dossier": "BOUL-01", "retry_failed_of": "dernier"}, "retry_failed_of"),
    ],
)
def test_the_flow_refuses_what_the_form_would_not_offer(parameters, wrong):
    with pytest.raises(ParameterTypeError, match=wrong):
        dsn_deposit.validate_parameters(parameters)


def test_the_retry_choice_is_accepted_as_the_form_sends_it():
    valid = dsn_deposit.validate_parameters({"dossier": "BOUL-01", "retry_failed_of": "last"})
    assert valid["retry_failed_of"] == "last"
    run_id = "3f1c2f8e-7f2e-4a52-9d9b-6a9c1b2c3d4e"
    valid = dsn_deposit.validate_parameters({"dossier": "BOUL-01", "retry_failed_of": run_id})
    assert str(valid["retry_failed_of"]) == run_id


def test_serve_ensures_the_zombie_automation_then_serves_with_heartbeats(monkeypatch):
    # Every setup serve does on the API is replaced: none may reach a Prefect server here (one
    # left in made this unit test start an ephemeral server, which timed out on a loaded CI).
    calls: list[tuple[str, object, dict]] = []
    monkeypatch.setattr(serving, "ensure_rate_limits", lambda: calls.append(("limits", (), {})))
    monkeypatch.setattr(
        serving, "ensure_zombie_automation", lambda flows, **kw: calls.append(("ensure", flows, kw))
    )
    monkeypatch.setattr(
        serving, "ensure_notifications", lambda flows: calls.append(("notify", flows, {}))
    )
    monkeypatch.setattr(serving, "serve", lambda *deps, **kw: calls.append(("serve", deps, kw)))
    serving.serve_all(limit=3)
    assert [name for name, _, _ in calls] == ["limits", "ensure", "notify", "serve"]
    (_, _, _), (_, flows, ensure_options), (_, notified, _), (_, served, serve_options) = calls
    assert notified == flows
    # Every registered procedure's flows and deployments, not only the DSN's.
    assert flows == {
        "dsn-deposit",
        "dsn-returns",
        "pas-crm",
        "cegid-flow-init",
        "cegid-flow-watch",
        "client-import",
        "client-import-apply",
        "hr-sync",
    }
    assert ensure_options == {"heartbeat_seconds": HEARTBEAT_SECONDS}
    # In the order registered, which depends on what a test imported first: compared as a set.
    assert sorted(d.name for d in served) == sorted(
        [
            "dsn-deposit",
            "dsn-returns-control",
            "cegid-flow-init",
            "cegid-flow-watch",
            "client-import",
            "client-import-apply",
            "hr-sync",
            "hr-sync-now",
            "pas-crm",
        ]
    )
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
