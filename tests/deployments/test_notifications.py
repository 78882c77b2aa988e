"""Notifications: a failed or partial run of coursier's flows is posted to the installation's
webhook (the sandbox's receiver) by Prefect's automation, a successful one is not, another
team's flow is not; the webhook's URL (its token) is never shown nor audited."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.states import Completed, Failed
from typer.testing import CliRunner

from coursier.deployments.notifications import (
    AUTOMATION_NAME,
    PAYLOAD,
    notification_automation,
    set_webhook,
    turn_off,
)
from coursier.deployments.notifications_cli import app
from coursier.sandbox.server import SandboxServer
from coursier.store import query_audit
from tests.deployments.cli_env import OPERATOR, cli_store, point_at

pytestmark = pytest.mark.usefixtures("prefect_api")
runner = CliRunner()
TOKEN = "T0K3N-du-canal-qui-ne-doit-pas-fuir"


@flow(name="notify-probe")
def probe(outcome: str):
    """Ends as a coursier flow does: Completed, Partial (a named Completed) or Failed."""
    if outcome == "partial":
        return Completed(name="Partial", message="3 intégrée(s), 1 en échec : relancez les échecs")
    if outcome == "failed":
        return Failed(message="Dossier X inconnu : importez le portefeuille")
    return Completed(message="tout est intégré")


@flow(name="someone-elses-flow")
def foreign():
    return Failed(message="pas à nous")


@pytest.fixture
def receiver() -> Iterator[SandboxServer]:
    with SandboxServer(seed=1) as server:
        yield server


@pytest.fixture(autouse=True)
def notifications_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    point_at(tmp_path, monkeypatch)
    turn_off()
    yield
    turn_off()


def hook_url(receiver: SandboxServer) -> str:
    return f"{receiver.url('webhooks')}/hooks/{TOKEN}"


def received(receiver: SandboxServer) -> list[dict]:
    return [r.body for r in receiver.state("webhooks").received()]


def wait_for(receiver: SandboxServer, count: int, timeout_s: float = 45) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while len(found := received(receiver)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


def test_failed_and_partial_runs_are_posted_a_successful_or_foreign_one_is_not(receiver):
    set_webhook(hook_url(receiver), ["notify-probe"], allow_private=True)
    time.sleep(1)  # the trigger service picks the new automation up
    ok = probe("ok", return_state=True)
    partial = probe("partial", return_state=True)
    failed = probe("failed", return_state=True)
    foreign(return_state=True)
    bodies = wait_for(receiver, 2)
    time.sleep(3)  # what would come for the successful and the foreign runs
    bodies = received(receiver)
    by_run = {b["flow_run_id"]: b for b in bodies}
    assert len(bodies) == 2
    assert set(by_run) == {
        str(partial.state_details.flow_run_id),
        str(failed.state_details.flow_run_id),
    }
    assert str(ok.state_details.flow_run_id) not in by_run
    told = by_run[str(partial.state_details.flow_run_id)]
    assert (told["source"], told["flow"], told["state"]) == ("coursier", "notify-probe", "Partial")
    assert told["message"] == "3 intégrée(s), 1 en échec : relancez les échecs"
    assert told["url"].endswith(str(partial.state_details.flow_run_id))
    assert by_run[str(failed.state_details.flow_run_id)]["state"] == "Failed"


def test_the_payload_is_valid_json_whatever_the_message_holds():
    automation = notification_automation(["notify-probe"], "00000000-0000-0000-0000-000000000000")
    assert automation.actions[0].payload == PAYLOAD
    for value in ("flow.name", "flow_run.name", "flow_run.state.name", "flow_run.state.message"):
        assert "{{ " + value + "|tojson }}" in PAYLOAD  # quotes, line breaks: escaped


def test_the_cli_sets_tests_shows_and_turns_off_without_ever_showing_the_token(receiver):
    bad = runner.invoke(app, ["set", "hooks.example/abc"])
    assert bad.exit_code == 2
    assert "adresse de webhook invalide" in bad.output
    private = runner.invoke(app, ["set", hook_url(receiver)])
    assert private.exit_code == 2
    assert "adresse locale ou privée : ajoutez --allow-private" in private.output
    nothing = runner.invoke(app, ["test"])
    assert nothing.exit_code == 1
    assert "aucun webhook" in nothing.output
    outputs = [private.output, nothing.output]
    for args in (["set", hook_url(receiver), "--allow-private"], ["status"], ["test"], ["off"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "http://127.0.0.1:" in outputs[3]  # status: where to, the host only
    [sample] = received(receiver)
    assert sample["state"] == "Test"
    assert "désactivées" in runner.invoke(app, ["status"]).output
    with get_client(sync_client=True) as client:
        assert client.read_automations_by_name(AUTOMATION_NAME) == []
    with cli_store() as store, store.read() as session:
        events = [(e.action, e.actor, json.dumps(e.details)) for e in query_audit(session)]
    assert [action for action, _actor, _ in events] == ["notifications.set", "notifications.off"]
    assert {actor for _, actor, _ in events} == {OPERATOR}
    for text in [*outputs, *(details for *_, details in events)]:
        assert TOKEN not in text
