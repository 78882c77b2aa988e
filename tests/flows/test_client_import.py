"""The client-import flows against the sandbox: the plan (artifacts, file, store), applying it
(creates linked to the questionnaire "not sent", only the chosen fields overwritten, audited),
re-applying changes nothing, a cut during apply resumes without creating a client twice,
invitations only when asked, the review form in the Prefect UI resumed with input."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
)
from prefect.flow_runs import resume_flow_run
from prefect.input import keyset_from_paused_state
from prefect.input.actions import read_flow_run_input

from coursier.deployments.clients_month_end import save_credentials
from coursier.flows.client_import import client_import, client_import_apply
from coursier.models.clients_plan_file import read_plan, write_plan
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store import open_store, query_audit
from coursier.store.client_import import sends_of
from coursier.store.portfolio import import_portfolio
from tests.flows.paused import paused_run

DOSSIER = "CAB_CLI"
PORTFOLIO = f"""
directories:
  - code: BXL
    name: Cabinet Bruxelles
    companies:
      - country: BE
        number: "BE0403.170.701"
        name: Fiduciaire Solvay
        dossiers:
          - code: {DOSSIER}
            name: Clients IPP
            platforms: {{client-import: adminpulse}}
"""


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=11) as server:
        yield server


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox, prefect_api):
    sandbox.reset()
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("COURSIER_REVIEW_POLL_SECONDS", "1")
    settings = CoursierSettings()
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        import_portfolio(session, load_portfolio(PORTFOLIO, "portefeuille.yaml", "yaml"))
    save_credentials(sandbox)
    return settings


def customers(sandbox) -> list[dict]:
    return httpx.get(sandbox.url("accounton") + "/_sandbox/customers").json()


def accounton_stats(sandbox) -> dict:
    return httpx.get(sandbox.url("accounton") + "/_sandbox/stats").json()


def plan_file(tmp_path: Path, **options) -> Path:
    out = tmp_path / "plan.xlsx"
    state = client_import(mode="plan", out=str(out), return_state=True, **options)
    assert state.is_completed(), state.message
    return out


def audit_actions(settings) -> list[str]:
    with open_store(settings.effective_database_url()) as store, store.read() as session:
        return [e.action for e in query_audit(session)]


def test_plan_publishes_the_classes_and_its_file(world, sandbox, tmp_path) -> None:
    path = plan_file(tmp_path)
    plan = read_plan(path)
    counts = plan.counts()
    assert counts["new"] > 0
    assert counts["only_in_accounton"] > 0
    assert counts["duplicates_differing"] > 0
    assert counts["invalid"] > 0
    assert counts["possible"] == 2
    assert counts["fields_to_overwrite"] == 0
    with get_client(sync_client=True) as client:
        keys = {
            a.key
            for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(like_=f"clients-{DOSSIER.lower().replace('_', '-')}")
                )
            )
        }
    suffix = DOSSIER.lower().replace("_", "-")
    assert {
        f"clients-{suffix}-{k}"
        for k in (
            "nouveaux",
            "uniquement-accounton",
            "doublons",
            "invalides",
            "doublons-possibles",
            "resume",
        )
    } <= keys
    assert accounton_stats(sandbox) == {"creates": 0, "updates": 0, "invitations": 0}
    with get_client(sync_client=True) as client:
        [doubles] = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[f"clients-{suffix}-doublons"])
            )
        )
        [invalid] = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[f"clients-{suffix}-invalides"])
            )
        )
    rows = json.loads(doubles.data) if isinstance(doubles.data, str) else doubles.data
    assert rows[0]["À mettre à jour"] == "oui"  # the differing ones first
    assert any(" → " in str(value) for value in rows[0].values())
    assert {r["À mettre à jour"] for r in rows} == {"oui", "non"}
    reasons = json.loads(invalid.data) if isinstance(invalid.data, str) else invalid.data
    assert any("deux fois" in r["Raison"] for r in reasons)


def test_a_taskflow_limits_the_import(world, tmp_path) -> None:
    every = read_plan(plan_file(tmp_path)).counts()
    some = read_plan(plan_file(tmp_path, taskflow="tva-2026")).counts()
    assert (
        0
        < some["new"] + some["duplicates"] + some["invalid"]
        < (every["new"] + every["duplicates"] + every["invalid"])
    )


def test_apply_creates_not_sent_overwrites_chosen_fields_and_reapply_changes_nothing(
    world, sandbox, tmp_path
) -> None:
    path = plan_file(tmp_path)
    plan = read_plan(path)
    differing = plan.duplicates[plan.duplicates["changed"]].iloc[0]
    chosen = plan.choose(overwrite={differing["import_id"]: {differing["field"]}})
    write_plan(chosen, path)
    before = {c["id"]: c for c in customers(sandbox)}

    state = client_import_apply(plan=str(path), return_state=True)
    assert state.is_completed(), state.message
    after = {c["id"]: c for c in customers(sandbox)}
    created = [c for i, c in after.items() if i not in before]
    assert len(created) == plan.counts()["new"]
    assert {c["questionnaire"]["status"] for c in created} == {"not_sent"}
    assert httpx.get(sandbox.url("accounton") + "/_sandbox/invitations").json() == []
    changed = [i for i in before if before[i] != after[i]]
    assert changed == [differing["accounton_id"]]
    actions = audit_actions(world)
    assert actions.count("clients.customer_created") == len(created)
    assert actions.count("clients.customer_updated") == 1

    stats = accounton_stats(sandbox)
    again = client_import_apply(plan=str(path), return_state=True)
    assert again.is_completed(), again.message
    assert accounton_stats(sandbox) == stats
    assert {c["id"]: c for c in customers(sandbox)} == after
    assert audit_actions(world).count("clients.customer_created") == len(created)


def test_a_cut_during_apply_resumes_without_creating_a_client_twice(
    world, sandbox, tmp_path
) -> None:
    path = plan_file(tmp_path)
    new = read_plan(path).counts()["new"]
    httpx.post(sandbox.url("accounton") + "/_sandbox/create-cuts", json={"times": 2})
    first = client_import_apply(plan=str(path), return_state=True)
    assert first.is_completed(), first.message  # the cut ones found again in Accounton
    httpx.post(
        sandbox.url("accounton") + "/_sandbox/faults",
        json={"route": "customers", "kind": "status", "status": 503, "count": 30},
    )
    client_import_apply(plan=str(path), return_state=True)
    httpx.delete(sandbox.url("accounton") + "/_sandbox/faults")
    client_import_apply(plan=str(path), return_state=True)
    assert accounton_stats(sandbox)["creates"] == new
    numbers = [c["nationalNumber"] for c in customers(sandbox) if c["nationalNumber"]]
    assert len(numbers) == len(set(numbers))
    actions = audit_actions(world)
    assert (
        actions.count("clients.customer_created") + actions.count("clients.customer_reconciled")
        == new
    )


def test_two_applies_at_once_create_each_client_once(world, sandbox, tmp_path) -> None:
    path = plan_file(tmp_path)
    new = read_plan(path).counts()["new"]
    states = []
    threads = [
        threading.Thread(
            target=lambda: states.append(client_import_apply(plan=str(path), return_state=True))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(states) == 2
    assert accounton_stats(sandbox)["creates"] == new
    assert audit_actions(world).count("clients.customer_created") == new
    final = client_import_apply(plan=str(path), return_state=True)  # whatever was held: done
    assert final.is_completed(), final.message
    assert accounton_stats(sandbox)["creates"] == new


def test_a_run_killed_between_claim_and_answer_is_reconciled(world, sandbox, tmp_path) -> None:
    """The create reached Accounton but the run died before it heard: the next run finds the
    customer by its number instead of creating it again."""
    path = plan_file(tmp_path)
    plan = read_plan(path)
    one = plan.choose(add={plan.new["import_id"].iloc[0]})
    write_plan(one, path)
    httpx.post(sandbox.url("accounton") + "/_sandbox/create-cuts", json={"times": 1})
    httpx.post(
        sandbox.url("accounton") + "/_sandbox/faults",
        json={"route": "customers", "kind": "status", "status": 503, "count": 10},
    )
    cut = client_import_apply(plan=str(path), return_state=True)
    assert cut.is_failed()  # cut, and Accounton unreachable to look it up: unknown
    httpx.delete(sandbox.url("accounton") + "/_sandbox/faults")
    again = client_import_apply(plan=str(path), return_state=True)
    assert again.is_completed(), again.message
    assert accounton_stats(sandbox)["creates"] == 1
    assert "clients.customer_reconciled" in audit_actions(world)


def test_invitations_only_when_asked_and_once(world, sandbox, tmp_path) -> None:
    path = plan_file(tmp_path)
    new = read_plan(path).counts()["new"]
    client_import_apply(plan=str(path), return_state=True)
    assert accounton_stats(sandbox)["invitations"] == 0
    state = client_import_apply(plan=str(path), send_invitations=True, return_state=True)
    assert state.is_completed(), state.message
    assert accounton_stats(sandbox)["invitations"] == new
    client_import_apply(plan=str(path), send_invitations=True, return_state=True)
    assert accounton_stats(sandbox)["invitations"] == new
    sent = {c["questionnaire"]["status"] for c in customers(sandbox) if "new" in c["id"]}
    assert sent == {"sent"}
    with open_store(world.effective_database_url()) as store:
        account = f"accounton|{sandbox.url('accounton')}|coursier-sandbox"
        assert len(sends_of(store, account, "invite")) == new


def test_a_bad_plan_file_fails_the_run_saying_where(world, tmp_path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("feuille,champ,import\nRéglages,dossier,X\n")
    state = client_import_apply(plan=str(path), return_state=True)
    assert state.is_failed()
    assert "plan.csv" in state.message


def test_no_secret_in_logs_artifacts_or_audit(world, sandbox, tmp_path, caplog) -> None:
    caplog.set_level("DEBUG")
    path = plan_file(tmp_path)
    client_import_apply(plan=str(path), send_invitations=True, return_state=True)
    secrets = [
        sandbox.state("adminpulse").token,
        sandbox.state("accounton").client_secret,
    ]
    with open_store(world.effective_database_url()) as store, store.read() as session:
        trail = repr([(e.action, e.details, e.subject) for e in query_audit(session)])
    with get_client(sync_client=True) as client:
        shown = repr([a.data for a in client.read_artifacts(limit=200)])
    assert caplog.text
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in trail
        assert secret not in shown
        assert secret not in path.read_bytes().decode("latin-1")


def test_the_review_form_in_the_ui_applies_the_choices(world, sandbox, tmp_path) -> None:
    done = {}
    thread = threading.Thread(
        target=lambda: done.update(
            state=client_import(out=str(tmp_path / "plan.xlsx"), return_state=True)
        )
    )
    thread.start()
    run = paused_run("client-import")
    keyset = keyset_from_paused_state(run.state)
    form = read_flow_run_input(keyset["schema"], flow_run_id=run.id)["properties"]
    plan = read_plan(tmp_path / "plan.xlsx")
    new_ids = list(plan.new["import_id"])
    assert form["add"]["default"] == new_ids  # every valid new client by default
    assert form["overwrite"]["default"] == []  # no field overwritten by default
    assert form["send_invitations"]["default"] is False
    assert form["questionnaire"]["default"] == "ipp-fr"
    differing = plan.duplicates[plan.duplicates["changed"]].iloc[0]
    choice = f"{differing['import_id']}:{differing['field']}"
    with pytest.raises(Exception, match="add"):  # the form refuses an id it did not offer
        resume_flow_run(run.id, run_input={"add": ["nobody"]})
    resume_flow_run(
        run.id,
        run_input={
            "language": "NL",
            "questionnaire": "ipp-nl",
            "add": new_ids[:2],
            "overwrite": [choice],
            "send_invitations": False,
        },
    )
    thread.join(120)
    state = done["state"]
    assert state.is_completed(), state.message
    created = [c for c in customers(sandbox) if "new" in c["id"]]
    assert len(created) == 2
    assert {c["questionnaire"]["id"] for c in created} == {"ipp-nl"}
    assert accounton_stats(sandbox)["updates"] == 1
    assert accounton_stats(sandbox)["invitations"] == 0


def test_retry_failed_of_redoes_only_the_failed_creates(world, sandbox, tmp_path) -> None:
    path = plan_file(tmp_path)
    new = read_plan(path).counts()["new"]
    accounton = sandbox.url("accounton")
    httpx.post(f"{accounton}/_sandbox/create-cuts", json={"times": 1})
    httpx.post(
        f"{accounton}/_sandbox/faults",
        json={"route": "customers", "kind": "status", "status": 503, "count": 10},
    )
    first = client_import_apply(plan=str(path), return_state=True)
    assert first.name == "Partial", first.message
    httpx.delete(f"{accounton}/_sandbox/faults")
    retried = client_import_apply(plan=str(path), retry_failed_of="last", return_state=True)
    assert retried.is_completed(), retried.message
    report = retried.result()
    assert [item.key for item in report.items] == [
        i.key for i in first.result().items if i.status == "failed"
    ]
    assert accounton_stats(sandbox)["creates"] == new


def test_a_reviewed_run_is_retried_from_its_reviewed_plan(world, sandbox, tmp_path) -> None:
    httpx.post(
        sandbox.url("accounton") + "/_sandbox/faults",
        json={"route": "invitations", "kind": "status", "status": 503, "count": 1},
    )
    done = {}
    thread = threading.Thread(
        target=lambda: done.update(
            state=client_import(out=str(tmp_path / "plan.xlsx"), return_state=True)
        )
    )
    thread.start()
    run = paused_run("client-import")
    new_ids = list(read_plan(tmp_path / "plan.xlsx").new["import_id"])
    resume_flow_run(run.id, run_input={"add": new_ids[:3], "send_invitations": True})
    thread.join(120)
    assert done["state"].name == "Partial", done["state"].message
    assert accounton_stats(sandbox)["invitations"] == 2
    assert (tmp_path / "plan-revu.xlsx").is_file()
    again = client_import(retry_failed_of="last", return_state=True)
    assert again.is_completed(), again.message
    assert accounton_stats(sandbox) == {"creates": 3, "updates": 0, "invitations": 3}
