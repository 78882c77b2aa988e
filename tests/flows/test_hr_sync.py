"""The HR sync Securex → Payflip against the sandbox: each activation error ends the run in
error with the seed's message; the first run creates everyone, a second with no change writes
nothing; unsynced fields and the language are left alone; an entity change fails exactly that
employee (a partial run, the employee in the failures artifact with what to do), and a rerun
after fixing the source ends success touching only him; tokens expiring mid-run are renewed;
a cut create is reconciled, never sent twice; the client secret appears nowhere."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    DeploymentFilter,
    DeploymentFilterId,
)
from prefect.flow_engine import run_flow
from sqlalchemy import select

from coursier.connectors.credentials import list_saved
from coursier.connectors.payflip.block import PayflipCredentials
from coursier.connectors.securex.block import SecurexCredentials
from coursier.deployments.hr_month_end import save_credentials
from coursier.deployments.serving import deployments
from coursier.flows.hr_sync import hr_sync
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store import open_store, outcomes_of
from coursier.store.claims import renew_lease
from coursier.store.hr_sync import claim_creates, failures_of, history
from coursier.store.hr_sync_tables import HrCreateClaim
from coursier.store.portfolio import import_portfolio
from coursier.store.tables import AuditEvent

BAKERY, GARAGE = "0403170701", "0202239951"
PORTFOLIO = f"""
directories:
  - code: BXL
    name: Cabinet Bruxelles
    companies:
      - country: BE
        number: "BE{BAKERY}"
        name: Boulangerie Peeters
        dossiers:
          - code: PEE_RH
            name: Peeters RH
            platforms: {{hr-sync: payflip}}
          - code: PEE_RH2
            name: Peeters RH, second dossier of the company
            platforms: {{hr-sync: payflip}}
      - country: BE
        number: "{GARAGE}"
        name: Garage Maes
        dossiers:
          - code: MAE_RH
            name: Maes RH
            platforms: {{hr-sync: payflip}}
      - country: BE
        number: "0477472701"
        name: Sans Securex
        dossiers:
          - code: NOS_RH
            name: Pas chez Securex
            platforms: {{hr-sync: payflip}}
"""


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=7) as server:
        yield server


@pytest.fixture
def world(tmp_path: Path, monkeypatch, sandbox, prefect_api) -> CoursierSettings:
    return install_world(tmp_path, monkeypatch, sandbox)


def install_world(tmp_path: Path, monkeypatch, sandbox) -> CoursierSettings:
    """The portfolio of three Belgian companies and application-wide credentials for both
    platforms, in a store under ``tmp_path`` (or at ``COURSIER_DATABASE_URL``)."""
    sandbox.reset()
    # The worker's Prefect API outlives a test: narrower blocks another test saved (for a
    # company, a dossier) would point this run at that test's sandbox, long stopped.
    for block_cls, platform in ((SecurexCredentials, "securex"), (PayflipCredentials, "payflip")):
        for name, *_ in list_saved(block_cls, platform):
            block_cls.delete(name)
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "var"))
    settings = CoursierSettings()
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        import_portfolio(session, load_portfolio(PORTFOLIO, "hr.yaml", "yaml"))
    _, payflip = save_credentials(sandbox)
    payflip.add_company("BE0477.472.701", "Sans Securex")
    return settings


def payflip_company(sandbox, vat: str = BAKERY) -> str:
    return sandbox.state("payflip").company_by_vat(vat).id


def stored(settings: CoursierSettings, read):
    with open_store(settings.effective_database_url()) as store, store.read() as session:
        return read(session)


def artifact(state, key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            )
        )
    return found[0] if found else None


def table(state, key: str) -> list[dict[str, object]]:
    data = artifact(state, key).data
    return json.loads(data) if isinstance(data, str) else data


def run_id(state) -> str:
    return str(state.state_details.flow_run_id)


# Activation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "label", "advice"),
    [
        ("", "Numéro de TVA manquant", "Informations de l'entreprise"),
        ("BE0403.170.70", "Numéro de TVA invalide", "corrigez-le"),
        ("BE0403170702", "Numéro de TVA invalide", "chiffres de contrôle"),
        ("BE0477472701", "Entreprise non trouvée", "customer success manager"),
        ("BE0417497106", "Intégration non configurée", "coursier portfolio import"),
    ],
)
def test_each_activation_error_ends_the_run_in_error_saying_what_to_do(
    world, sandbox, typed, label, advice
):
    state = hr_sync(company=typed, return_state=True)
    assert state.is_failed()
    assert label in state.message
    assert advice in state.message
    assert sandbox.state("payflip").received()["creates"] == 0
    [line] = stored(world, lambda s: history(s))
    assert (line.status, line.trigger) == ("error", "manual")


def test_a_payflip_company_missing_is_not_found_and_an_outage_is_internal(world, sandbox):
    sandbox.state("payflip").companies.pop(payflip_company(sandbox, GARAGE))
    missing = hr_sync(company=GARAGE, return_state=True)
    assert "Entreprise non trouvée" in missing.message
    assert "Payflip" in missing.message
    sandbox.state("securex").faults.set(Fault(route="v1", kind=FaultKind.STATUS, status=500))
    broken = hr_sync(company=BAKERY, return_state=True)
    assert broken.is_failed()
    assert "Erreur interne" in broken.message
    assert "contactez le support" in broken.message


# Syncing ----------------------------------------------------------------------------------


def test_first_run_creates_everyone_and_a_second_writes_nothing(world, sandbox):
    first = hr_sync(company="BE 0403.170.701", trigger="nightly", return_state=True)
    assert first.is_completed()
    assert first.name == "Completed"
    payflip = sandbox.state("payflip")
    assert payflip.received() == {"creates": 25, "updates": 0, "created_twice": []}
    company = payflip_company(sandbox)
    source = sandbox.state("securex").company(BAKERY).employees[3]
    created = payflip.employee(company, source["employeeNumber"])
    assert created["language"] == source["language"]
    assert "nationalNumber" not in created
    audited = stored(
        world,
        lambda s: [
            (a.action, a.flow_run_id, a.dossier, a.details)
            for a in s.scalars(select(AuditEvent).where(AuditEvent.action.like("payflip.%")))
        ],
    )
    assert {(action, run, dossier) for action, run, dossier, _ in audited} == {
        ("payflip.employees.created", run_id(first), "PEE_RH")
    }
    assert sorted(n for *_, details in audited for n in details["created"]) == [
        f"{i:06d}" for i in range(1, 26)
    ]
    second = hr_sync(company=BAKERY, return_state=True)
    assert second.name == "Completed"
    assert payflip.received()["creates"] == 25
    assert payflip.received()["updates"] == 0
    lines = stored(world, lambda s: history(s, BAKERY))
    assert [(h.trigger, h.created, h.unchanged, h.status) for h in lines] == [
        ("manual", 0, 25, "success"),
        ("nightly", 25, 0, "success"),
    ]


def test_the_trigger_left_empty_is_nightly_for_a_scheduled_run_and_manual_by_hand(world, sandbox):
    """As the deployments leave the trigger empty: a run the nightly schedule created (Prefect's
    scheduler marks it auto-scheduled) is recorded "nightly", one started from the same
    deployment by hand ("Synchroniser maintenant", coursier rerun) "manual"."""
    [nightly] = [d for d in deployments() if d.name == "hr-sync"]
    assert nightly.schedules  # the one the server's scheduler turns into runs
    deployment_id = nightly.apply()
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with get_client(sync_client=True) as client:
        # What the scheduler service does each loop, here for last night (a run due already).
        client.request(
            "POST",
            "/deployments/{id}/schedule",
            path_params={"id": deployment_id},
            json={
                "start_time": (yesterday - timedelta(days=1)).isoformat(),
                "end_time": yesterday.isoformat(),
                "max_runs": 1,
            },
        )
        [scheduled] = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )
        assert scheduled.auto_scheduled
        by_hand = client.create_flow_run_from_deployment(
            deployment_id, parameters={"company": BAKERY}
        )
    try:
        for flow_run in (scheduled, by_hand):
            state = run_flow(hr_sync, flow_run, flow_run.parameters, return_type="state")
            assert state.is_completed(), state.message
    finally:  # the worker's API outlives the test: no schedule left behind for the others
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment_id)
    triggers = stored(world, lambda s: {(h.flow_run_id, h.company, h.trigger) for h in history(s)})
    assert (str(scheduled.id), BAKERY, "nightly") in triggers
    assert (str(scheduled.id), GARAGE, "nightly") in triggers  # every company, at night
    assert {(run, t) for run, _, t in triggers if run == str(by_hand.id)} == {
        (str(by_hand.id), "manual")
    }


def test_changes_update_only_their_fields_never_unsynced_ones_nor_the_language(world, sandbox):
    hr_sync(company=BAKERY, return_state=True)
    payflip, securex = sandbox.state("payflip"), sandbox.state("securex")
    company = payflip_company(sandbox)
    target = payflip.employee(company, "000005")
    target.update(
        exitDate="2027-01-31",
        salaryComponents=[{"kind": "car", "amount": 450}],
        budget={"yearly": 1200},
        invitationStatus="invited",
    )
    source = securex.employee(BAKERY, "000005")
    source["grossSalary"] = 5123.45
    source["language"] = "de" if source["language"] != "de" else "fr"
    before = dict(target)
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    assert payflip.received()["updates"] == 1
    after = payflip.employee(company, "000005")
    assert after["grossSalary"] == 5123.45
    assert after["language"] == before["language"]
    for unsynced in ("exitDate", "salaryComponents", "budget", "invitationStatus"):
        assert after[unsynced] == before[unsynced]
    outcome = next(
        o
        for o in stored(world, lambda s: outcomes_of(s, run_id(state)))
        if o.item_key == f"BE{BAKERY}:000005"
    )
    assert outcome.message == "mis à jour (grossSalary)"


def move_to_the_bakery(sandbox) -> str:
    """The garage's employee 000003 changes entity: he keeps his e-mail, and gets a number in
    the bakery's Securex file. Payflip holds his account in the garage."""
    payflip, securex = sandbox.state("payflip"), sandbox.state("securex")
    mover = dict(securex.employee(GARAGE, "000003"))
    payflip.create(payflip.company(payflip_company(sandbox, GARAGE)), mover)
    securex.company(BAKERY).employees.append({**mover, "employeeNumber": "000026"})
    return str(mover["email"])


def test_an_entity_change_fails_exactly_that_employee_and_a_rerun_after_the_fix_succeeds(
    world, sandbox
):
    hr_sync(company=BAKERY, return_state=True)
    email = move_to_the_bakery(sandbox)
    payflip = sandbox.state("payflip")
    creates = payflip.received()["creates"]
    partial = hr_sync(company=BAKERY, return_state=True)
    assert partial.is_completed()
    assert partial.name == "Partial"
    [failed] = [
        o for o in stored(world, lambda s: outcomes_of(s, run_id(partial))) if o.status == "failed"
    ]
    assert (failed.item_key, failed.error_code) == (f"BE{BAKERY}:000026", "account_exists")
    [row] = table(partial, f"hr-sync-be{BAKERY}-echecs")
    assert row["Matricule"] == "000026"
    assert row["E-mail"] == email
    assert "autre entité" in row["Raison"]
    assert "support Payflip" in row["Action"]
    [kept] = stored(world, lambda s: failures_of(s, run_id(partial)))
    assert (kept.code, kept.employee_number) == ("account_exists", "000026")
    [line] = stored(world, lambda s: history(s, BAKERY, limit=1))
    assert (line.status, line.failed, line.unchanged) == ("partial", 1, 25)

    # The source is fixed (the employee gets an address of the bakery), the failed rerun.
    sandbox.state("securex").employee(BAKERY, "000026")["email"] = "nouvelle@peeters.example.be"
    sandbox.state("securex").employee(BAKERY, "000004")["grossSalary"] = 9999.0  # not retried
    before = payflip.received()
    rerun = hr_sync(company=BAKERY, retry_failed_of=run_id(partial), return_state=True)
    assert rerun.name == "Completed"
    after = payflip.received()
    assert after["creates"] - before["creates"] == 1
    assert after["updates"] == before["updates"]
    outcomes = stored(world, lambda s: outcomes_of(s, run_id(rerun)))
    assert [(o.item_key, o.status) for o in outcomes] == [(f"BE{BAKERY}:000026", "ok")]
    assert creates + 2 == after["creates"]  # the refused try, then the create


def test_invalid_source_rows_fail_alone_with_their_codes(world, sandbox):
    securex = sandbox.state("securex")
    securex.employee(BAKERY, "000002")["email"] = None
    securex.employee(BAKERY, "000007")["email"] = "pas-une-adresse"
    securex.employee(BAKERY, "000009")["workRegime"] = 0
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Partial"
    codes = {
        o.item_key[-6:]: o.error_code
        for o in stored(world, lambda s: outcomes_of(s, run_id(state)))
        if o.status == "failed"
    }
    assert codes == {
        "000002": "email_missing",
        "000007": "email_invalid",
        "000009": "salary_invalid",
    }
    assert sandbox.state("payflip").received()["creates"] == 22


def test_a_token_expiring_mid_run_is_renewed(world, sandbox):
    securex = sandbox.state("securex")
    many = [
        dict(e, employeeNumber=f"{i:06d}")
        for i, e in enumerate(securex.company(BAKERY).employees * 100, start=1)
    ]
    for record in many:
        record["email"] = f"e{record['employeeNumber']}@peeters.example.be"
    securex.add_company(BAKERY, "Boulangerie Peeters", many)  # 2,500: 3 pages
    securex.token_uses = 2
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    assert securex.token_requests >= 2
    assert sandbox.state("payflip").received()["creates"] == 2500


def test_a_cut_create_is_reconciled_never_sent_twice(world, sandbox):
    payflip = sandbox.state("payflip")
    payflip.faults.set(Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE, count=1))
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    assert payflip.received() == {"creates": 25, "updates": 0, "created_twice": []}
    claims = stored(world, lambda s: list(s.scalars(select(HrCreateClaim))))
    assert {c.state for c in claims} == {"created"}
    assert len(claims) == 25


def test_creates_a_gone_run_left_unsettled_are_looked_up_before_any_resend(world, sandbox):
    """A run died after claiming three creates (its POST's fate unknown): Payflip had received
    one of them. The next run syncs that one as it is, looks the two others up before sending
    them, and sends them once."""
    payflip = sandbox.state("payflip")
    arrived = sandbox.state("securex").employee(BAKERY, "000002")
    payflip.create(payflip.company(payflip_company(sandbox)), arrived)
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        claim_creates(session, BAKERY, ["000001", "000002", "000003"], "dead-run", live=set())
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    [lookup] = payflip.lookups
    assert lookup == {"000001", "000003"}
    assert payflip.received()["creates"] == 25  # 1 before the run, 24 by it
    assert payflip.received()["created_twice"] == []


def test_creates_a_live_run_holds_are_skipped_not_failed(world, sandbox):
    """Another sync, still running (its lease live), claimed three creates: this run leaves
    them to it — skipped, saying so, neither sent nor counted as failures — and is complete."""
    held = ["000001", "000002", "000003"]
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        renew_lease(session, "other-run", "hr-sync", timedelta(hours=1))
        claim_creates(session, BAKERY, held, "other-run", live={"other-run"})
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    assert "3 pris par une autre synchronisation" in state.message
    found = {o.item_key[-6:]: o for o in stored(world, lambda s: outcomes_of(s, run_id(state)))}
    assert {n: (found[n].status, found[n].error_code) for n in held} == dict.fromkeys(
        held, ("skipped", "in_progress")
    )
    assert stored(world, lambda s: failures_of(s, run_id(state))) == []
    assert payflip_received_numbers(sandbox).isdisjoint(held)
    assert sandbox.state("payflip").received()["creates"] == 22


def payflip_received_numbers(sandbox) -> set[str]:
    company = sandbox.state("payflip").company(payflip_company(sandbox))
    return {str(e["employeeNumber"]) for e in company.employees.values()}


def test_a_create_found_at_the_lookup_is_not_sent_again(world, sandbox):
    payflip = sandbox.state("payflip")
    payflip.faults.set(Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE))
    first = hr_sync(company=BAKERY, return_state=True)
    assert first.name == "Completed"  # every cut batch was found by reading back
    assert payflip.received()["created_twice"] == []
    assert payflip.received()["creates"] == 25


def test_a_malformed_securex_page_is_an_internal_error_and_writes_nothing(world, sandbox):
    sandbox.state("securex").faults.set(Fault(route="v1", kind=FaultKind.MALFORMED, count=2))
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.is_failed()
    assert "Erreur interne" in state.message
    assert sandbox.state("payflip").received()["creates"] == 0


def test_a_429_storm_on_creates_is_waited_out_and_creates_each_once(world, sandbox):
    payflip = sandbox.state("payflip")
    payflip.faults.set(
        Fault(route="employee-imports", kind=FaultKind.STATUS, status=429, retry_after=0, count=3)
    )
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    assert payflip.received() == {"creates": 25, "updates": 0, "created_twice": []}


def test_an_unreadable_create_answer_is_reconciled_not_resent(world, sandbox):
    payflip = sandbox.state("payflip")
    payflip.faults.set(Fault(route="employee-imports", kind=FaultKind.MALFORMED, count=1))
    state = hr_sync(company=BAKERY, return_state=True)
    assert state.name == "Completed"
    assert payflip.received() == {"creates": 25, "updates": 0, "created_twice": []}


def test_two_runs_at_once_create_each_employee_once(world, sandbox):
    payflip = sandbox.state("payflip")
    payflip.faults.set(Fault(route="employee-imports", latency_ms=300))
    states = []
    runs = [
        threading.Thread(target=lambda: states.append(hr_sync(company=BAKERY, return_state=True)))
        for _ in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert payflip.received()["created_twice"] == []
    assert len(payflip.company(payflip_company(sandbox)).employees) == 25
    created, waited = [], []
    for state in states:
        for outcome in stored(world, lambda s, state=state: outcomes_of(s, run_id(state))):
            if outcome.details.get("action") == "created":
                created.append(outcome.item_key)
            elif outcome.error_code == "in_progress":
                assert outcome.status == "skipped"  # the other run writes it: nothing to do
                waited.append(outcome.item_key)
    assert sorted(created) == sorted(set(created))  # each created by one run only
    assert len(created) == 25
    assert set(waited) <= set(created)  # what one run held, the other left alone
    # Neither run is partial for what the other one held, nor lists it among its failures.
    assert [state.name for state in states] == ["Completed", "Completed"]
    assert not any(
        stored(world, lambda s, state=state: failures_of(s, run_id(state))) for state in states
    )


def test_every_company_of_the_portfolio_each_on_its_own(world, sandbox):
    state = hr_sync(trigger="nightly", return_state=True)
    assert state.name == "Partial"  # the third company is not at Securex
    lines = {h.company: h.status for h in stored(world, lambda s: history(s))}
    assert lines == {BAKERY: "success", GARAGE: "success", "0477472701": "error"}
    assert sandbox.state("payflip").received()["creates"] == 37


def test_the_client_secret_appears_nowhere(world, sandbox, caplog):
    secret = sandbox.state("securex").client.client_secret
    key = sandbox.state("payflip").api_key
    move_to_the_bakery(sandbox)
    sandbox.state("securex").faults.set(
        Fault(route="v1", kind=FaultKind.STATUS, status=429, retry_after=0, count=2)
    )
    with caplog.at_level(logging.DEBUG):
        state = hr_sync(company=BAKERY, return_state=True)
        broken = sandbox.state("securex").client
        sandbox.state("securex").client = type(broken)(broken.client_id, "autre", "autre")
        failed = hr_sync(company=BAKERY, return_state=True)
    assert failed.is_failed()
    texts = [caplog.text, state.message, failed.message]
    for one in (state, failed):
        for key_name in (f"hr-sync-be{BAKERY}-echecs", f"hr-sync-be{BAKERY}-resume"):
            found = artifact(one, key_name)
            texts.append(json.dumps(found.data) if found else "")

    def everything(session):
        rows = [o.__dict__ for o in outcomes_of(session, run_id(state))]
        rows += [a.__dict__ for a in session.scalars(select(AuditEvent))]
        rows += [h.__dict__ for h in history(session)]
        return [str(r) for r in rows]

    texts += stored(world, everything)
    for text in texts:
        assert secret not in text
        assert key not in text
