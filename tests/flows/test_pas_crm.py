"""The PAS CRM flow against the sandbox: every association integrated, idempotent, cuts retried
in the connector and once more in the run, an association cut on every attempt failed alone
and the only one a rerun touches, not-yet-published CRM not a failure, anomalies in the
work-list with their employee, declarations deposited elsewhere integrated too.

A dossier of four associations (establishments of one company); the bureau's account may
declare for all of them. The platform's clients read the sandbox's clock and retry fast.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.flow_runs import resume_flow_run
from prefect.input import keyset_from_paused_state
from prefect.input.actions import read_flow_run_input
from sqlalchemy import func, select
from stdnum import luhn
from typer.testing import CliRunner

import coursier.tasks.accounts
from coursier.connectors.http import RetryPolicy
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.deployments.cli import app
from coursier.deployments.sandbox_world import (
    WorldDossier,
    credentials_for,
    open_account,
    portfolio_yaml,
)
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.pas_crm import pas_crm
from coursier.models.dsn import samples, writer
from coursier.models.portfolio import load_portfolio
from coursier.models.returns.crm import parse_crm_nominatif
from coursier.sandbox.crm_files import pas_month, rates_applied, with_rate
from coursier.store import open_store, outcomes_of, query_audit
from coursier.store.pas import anomalies_of, rates_of
from coursier.store.pas_tables import PasAnomalyRow, PasRateRow
from coursier.store.portfolio import import_portfolio
from tests.flows.paused import paused_run
from tests.flows.world import BUREAU, EVERY_RETURN_OUT_S, OCTOBER, OPERATOR, QUICK

NOVEMBER = date(2026, 11, 1)
COMPANY = samples.Employer.from_seed(71530046, "ASSOCIATIONS DU QUARTIER")
DOSSIER = WorldDossier("ASSO-04", "Associations du quartier", COMPANY)
PLATFORM = "net-entreprises"
LATER_S = 3600  # a CRM published an hour after its DSN
ATTEMPTS = 3  # the connector's tries per request in these tests


def establishment(number: int) -> samples.Employer:
    body = f"{number:04d}"
    return samples.Employer(COMPANY.siren, body + luhn.calc_check_digit(COMPANY.siren + body))


SITES = [establishment(n) for n in (11, 12, 13, 14)]
A, B, C, D = (site.siret for site in SITES)
EMPLOYEES = {A: 6, B: 4, C: 5, D: 3}


@pytest.fixture
def associations(world, sandbox, monkeypatch):
    """The dossier with four establishments; fast connector retries; no pause between passes."""
    monkeypatch.setenv("COURSIER_PAS_RETRY_PAUSE_SECONDS", "0")
    monkeypatch.setattr(
        coursier.tasks.accounts,
        "NetEntreprisesClient",
        partial(
            NetEntreprisesClient,
            clock=sandbox.clock.now,
            retry=RetryPolicy(attempts=ATTEMPTS, backoff=0.01, max_wait=0.05),
        ),
    )
    data = yaml.safe_load(portfolio_yaml([DOSSIER]))
    data["directories"][0]["companies"][0]["dossiers"][0]["sirets"] = [A, B, C, D]
    portfolio = load_portfolio(yaml.safe_dump(data), "portefeuille.yaml", "yaml")
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        import_portfolio(session, portfolio)
    open_account(sandbox, PLATFORM, BUREAU, frozenset((A, B, C, D)))
    return world


def month_files(tmp_path, month=OCTOBER, sites=SITES, applying=None):
    paths = []
    tmp_path.mkdir(parents=True, exist_ok=True)
    for index, site in enumerate(sites):
        records = pas_month(
            site, month, EMPLOYEES[site.siret], seed=index, ntt_every=3, applying=applying
        )
        path = tmp_path / f"dsn-{site.siret}-{month:%Y-%m}.dsn"
        path.write_bytes(writer.write_bytes(records, newline="\r\n"))
        paths.append(str(path))
    return paths


def deposit(tmp_path, sandbox, month=OCTOBER, sites=SITES, applying=None, publish=True):
    state = dsn_deposit(
        dossier=DOSSIER.code,
        files=month_files(tmp_path, month, sites, applying),
        operator=OPERATOR,
        follow_returns_minutes=0,
        return_state=True,
    )
    assert state.is_completed(), state.message
    if publish:
        sandbox.clock.advance(EVERY_RETURN_OUT_S)


def three_here_one_elsewhere(tmp_path, sandbox):
    """A, B, C deposited by coursier; D's DSN by another software, with the same account."""
    deposit(tmp_path, sandbox, sites=SITES[:3], publish=False)
    block = credentials_for(BUREAU, sandbox.url(PLATFORM), "application", None, PLATFORM)
    with NetEntreprisesClient(block) as other_software:
        other_software.deposit(writer.write_bytes(pas_month(SITES[3], OCTOBER, 3, seed=9)))
    sandbox.clock.advance(EVERY_RETURN_OUT_S)


def integrate(month="2026-10", **parameters):
    return pas_crm(
        dossier=DOSSIER.code, month=month, operator=OPERATOR, return_state=True, **parameters
    )


def outcomes(world, state):
    with open_store(world.effective_database_url()) as store, store.read() as session:
        found = outcomes_of(session, str(state.state_details.flow_run_id))
        return {o.item_key.split("/")[1]: o for o in found}


def counts(world):
    with open_store(world.effective_database_url()) as store, store.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (PasRateRow, PasAnomalyRow)
        )


def rate_rows(world):
    with open_store(world.effective_database_url()) as store, store.read() as session:
        return {(r.siret, r.employee): r for r in session.scalars(select(PasRateRow))}


def cuts(sandbox):
    return sandbox.state(PLATFORM).crm_cuts


def test_every_association_is_integrated_and_integrating_again_changes_nothing(
    associations, tmp_path, sandbox
):
    deposit(tmp_path, sandbox)
    state = integrate()
    assert state.is_completed()
    assert state.name != "Partial"
    found = outcomes(associations, state)
    assert {key: o.status for key, o in found.items()} == dict.fromkeys((A, B, C, D), "ok")
    assert {key: o.details["rates"] for key, o in found.items()} == EMPLOYEES
    rates, anomalies = counts(associations)
    assert rates == sum(EMPLOYEES.values())
    rows = rate_rows(associations)
    assert sum(key.startswith("NTT:") for _, key in rows) == sum(n // 3 for n in EMPLOYEES.values())
    assert all(r.rate_id and len(r.rate_id) == 18 and r.deposited_here for r in rows.values())
    downloads = {s: cuts(sandbox).attempts(s) for s in (A, B, C, D)}

    again = integrate()
    assert again.is_completed()
    assert counts(associations) == (rates, anomalies)
    assert {k: (r.flow_run_id, r.integrated_at) for k, r in rate_rows(associations).items()} == {
        k: (r.flow_run_id, r.integrated_at) for k, r in rows.items()
    }
    # The CRM were stored the first time: the second run downloads nothing again.
    assert {s: cuts(sandbox).attempts(s) for s in (A, B, C, D)} == downloads


def test_an_association_cut_on_every_attempt_fails_alone_and_a_rerun_redoes_only_it(
    associations, tmp_path, sandbox
):
    deposit(tmp_path, sandbox)
    cuts(sandbox).cut(B)  # every attempt
    # The deposit's own look at its returns may have fetched B's CRM already (a slow machine):
    # only what the integration asks for is counted.
    before_cut = cuts(sandbox).attempts(B)
    first = integrate()
    assert first.name == "Partial"
    found = outcomes(associations, first)
    assert {k: o.status for k, o in found.items()} == {A: "ok", B: "failed", C: "ok", D: "ok"}
    assert "transfert interrompu" in found[B].message
    # The connector's tries, in the first pass and again in the second, all cut.
    assert cuts(sandbox).attempts(B) - before_cut == 2 * ATTEMPTS
    assert not any(siret == B for siret, _ in rate_rows(associations))
    others = {k: r.integrated_at for k, r in rate_rows(associations).items()}
    before = {s: cuts(sandbox).attempts(s) for s in (A, C, D)}

    cuts(sandbox).cut(B, 0)  # the line is back
    rerun = integrate(retry_failed_of=first.state_details.flow_run_id)
    assert rerun.is_completed()
    assert rerun.name != "Partial"
    assert {k: o.status for k, o in outcomes(associations, rerun).items()} == {B: "ok"}
    assert {s: cuts(sandbox).attempts(s) for s in (A, C, D)} == before
    after = rate_rows(associations)
    assert {k: r.integrated_at for k, r in after.items() if k[0] != B} == others
    assert sum(siret == B for siret, _ in after) == EMPLOYEES[B]


def test_a_cut_past_the_connectors_tries_is_integrated_by_the_second_pass(
    associations, tmp_path, sandbox
):
    deposit(tmp_path, sandbox)
    cuts(sandbox).cut(C, ATTEMPTS)  # the whole first pass, not the second
    state = integrate()
    assert state.is_completed()
    assert state.name != "Partial"
    assert outcomes(associations, state)[C].status == "ok"
    assert cuts(sandbox).attempts(C) > ATTEMPTS


def test_a_dossier_where_every_association_fails_is_an_error_run(associations, tmp_path, sandbox):
    deposit(tmp_path, sandbox)
    for siret in (A, B, C, D):
        cuts(sandbox).cut(siret)
    state = integrate()
    assert state.is_failed()
    assert "Rien n'a abouti" in state.message
    assert counts(associations) == (0, 0)


def test_a_crm_not_yet_published_is_not_available_yet_not_a_failure(
    associations, tmp_path, sandbox, monkeypatch
):
    slow = dataclasses.replace(QUICK, crm_nominatif=LATER_S, crm_financier=LATER_S)
    monkeypatch.setattr(sandbox.state(PLATFORM), "delays", slow)
    deposit(tmp_path, sandbox, publish=False)
    state = integrate()
    assert state.is_completed()
    assert state.name != "Partial"
    found = outcomes(associations, state)
    assert {o.status for o in found.values()} == {"skipped"}
    assert {o.error_code for o in found.values()} == {"not_available"}
    sandbox.clock.advance(LATER_S + EVERY_RETURN_OUT_S)
    later = integrate()
    assert {o.status for o in outcomes(associations, later).values()} == {"ok"}


def test_anomalies_reach_the_work_list_with_their_employee(associations, tmp_path, sandbox):
    deposit(tmp_path, sandbox)
    assert integrate().is_completed()
    with open_store(associations.effective_database_url()) as store, store.read() as session:
        work = anomalies_of(session, dossier=DOSSIER.code, month=OCTOBER)
        employees = {(r.siret, r.rate.employee) for r in rates_of(session, DOSSIER.code, OCTOBER)}
    assert work
    for item in work:
        assert item.code == "ADR05"
        assert (item.field, item.status, item.blocking) == ("S21.G00.30.008", "open", False)
        assert item.value
        assert "adresse" in item.hint
        assert (item.siret, item.employee) in employees


def test_a_taux_sur_taux_flags_the_employee_whose_applied_rate_is_not_the_valid_one(
    associations, tmp_path, sandbox
):
    site = SITES[0]
    deposit(tmp_path, sandbox, sites=[site])
    assert integrate().is_completed()
    platform = sandbox.state(PLATFORM)
    [flux] = [d.idflux for d in platform.deposits() if d.declared_siret == site.siret]
    [crm] = [r for r in platform.returns(flux) if r.nature == "94"]
    applied = with_rate(
        rates_applied(parse_crm_nominatif(crm.content)), "M000001", Decimal("31.50")
    )
    deposit(tmp_path / "nov", sandbox, NOVEMBER, [site], applying=applied)
    state = integrate("2026-11")
    assert state.is_completed()
    assert outcomes(associations, state)[site.siret].details["flagged"] == 1
    with open_store(associations.effective_database_url()) as store, store.read() as session:
        november = {
            r.rate.payroll_number: r.rate for r in rates_of(session, DOSSIER.code, NOVEMBER)
        }
        tst = [a for a in anomalies_of(session, month=NOVEMBER) if a.nature == "95"]
    assert november["M000001"].applied_rate == Decimal("31.50")
    assert november["M000001"].flag
    assert not [r for k, r in november.items() if k != "M000001" and r.flag]
    [item] = tst
    assert (item.code, item.field, item.payroll_number) == ("TST01", "S21.G00.50.006", "M000001")


def test_a_declaration_deposited_elsewhere_is_integrated_and_said_so(
    associations, tmp_path, sandbox
):
    three_here_one_elsewhere(tmp_path, sandbox)
    state = integrate()
    assert state.is_completed()
    found = outcomes(associations, state)
    assert found[D].status == "ok"
    assert found[D].details["deposited_here"] is False
    assert "hors coursier" in found[D].message
    assert all(found[s].details["deposited_here"] for s in (A, B, C))
    rows = rate_rows(associations)
    assert sum(siret == D for siret, _ in rows) == 3
    assert not any(r.deposited_here for (siret, _), r in rows.items() if siret == D)


def test_without_a_dossier_every_dossier_with_a_dsn_that_month_is_integrated(
    associations, tmp_path, sandbox
):
    deposit(tmp_path, sandbox, sites=SITES[:2])
    state = pas_crm(month="2026-10", operator=OPERATOR, return_state=True)
    assert state.is_completed()
    found = outcomes(associations, state)
    assert set(found) == {A, B}
    assert {o.details["dossier"] for o in found.values()} == {DOSSIER.code}
    nothing = pas_crm(month="2026-09", operator=OPERATOR, return_state=True)
    assert nothing.is_completed()  # a scheduled run before the deposits: nothing to do yet
    assert "Aucune DSN mensuelle de 09/2026" in nothing.message
    asked = integrate("2026-09")
    assert asked.is_failed()  # one dossier asked for: say what to do
    assert "déposez-la" in asked.message


def test_an_association_not_of_the_dossier_is_refused_by_name(associations, tmp_path, sandbox):
    state = integrate(associations=[A, "12345678900011"])
    assert state.is_failed()
    assert "12345678900011" in state.message
    assert "inconnue(s) du dossier" in state.message


def test_an_unreadable_crm_fails_its_association_and_is_not_downloaded_again_in_the_run(
    associations, tmp_path, sandbox
):
    deposit(tmp_path, sandbox)
    platform = sandbox.state(PLATFORM)
    [flux] = [d.idflux for d in platform.deposits() if d.declared_siret == C]
    [crm] = [r for r in platform.returns(flux) if r.nature == "94"]
    platform.overwrite_return(flux, crm.return_id, status="OK", content=b"<rapport><envoi>")
    state = integrate()
    assert state.name == "Partial"
    found = outcomes(associations, state)
    assert (found[C].status, found[C].error_code) == ("failed", "unreadable")
    assert "CRM illisible" in found[C].message
    assert cuts(sandbox).attempts(C) == 2  # its 94 and 93 once: no second pass for bad content
    assert {found[s].status for s in (A, B, D)} == {"ok"}


def test_coursier_rerun_redoes_only_the_failed_association(associations, tmp_path, sandbox):
    deposit(tmp_path, sandbox)
    cuts(sandbox).cut(D)
    first = integrate()
    assert first.name == "Partial"
    cuts(sandbox).cut(D, 0)
    before = {s: cuts(sandbox).attempts(s) for s in (A, B, C)}
    result = CliRunner().invoke(app, ["rerun", str(first.state_details.flow_run_id)])
    assert result.exit_code == 0, result.output
    assert {s: cuts(sandbox).attempts(s) for s in (A, B, C)} == before
    with open_store(associations.effective_database_url()) as store, store.read() as session:
        rows = session.scalars(select(PasRateRow).where(PasRateRow.siret == D)).all()
    assert len(rows) == EMPLOYEES[D]
    assert {r.flow_run_id for r in rows} != {str(first.state_details.flow_run_id)}


def test_the_screen_artifacts_show_each_association_and_each_employee(
    associations, tmp_path, sandbox
):
    three_here_one_elsewhere(tmp_path, sandbox)
    cuts(sandbox).cut(B)
    state = integrate()
    assert state.name == "Partial"
    [screen] = artifacts_of(state, "pas-crm-asso-04")
    rows = {row["Association (SIRET)"]: row for row in table_of(screen)}
    assert rows[A]["Intégration"] == "✓"
    assert rows[B]["Intégration"].startswith("échec : transfert interrompu")
    assert rows[A]["CRM nominatif"] in ("OK", "anomalies")
    assert rows[A]["CRM financier"] == "OK"
    assert rows[A]["Taux"] == EMPLOYEES[A]
    assert rows[D]["Origine"] == "DSN déposée hors coursier"
    assert rows[C]["Origine"] == "DSN déposée par coursier"
    [employees] = artifacts_of(state, "pas-crm-asso-04-taux")
    lines = table_of(employees)
    assert len(lines) == EMPLOYEES[A] + EMPLOYEES[C] + EMPLOYEES[D]
    assert all(len(line["Identifiant du taux"]) == 18 for line in lines)
    [summary] = artifacts_of(state, "pas-crm-asso-04-resume")
    assert B in summary.data
    assert "coursier rerun" in summary.data
    shown = json.dumps([table_of(screen), lines]) + summary.data
    assert BUREAU.password.get_secret_value() not in shown


def artifacts_of(state, key):
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            )
        )


def table_of(artifact):
    return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data


def integrate_in_background(**parameters):
    done = {}
    thread = threading.Thread(
        target=lambda: done.update(state=integrate(choose_associations=True, **parameters))
    )
    thread.start()
    return thread, done


def test_associations_ticked_in_the_ui_are_the_only_ones_integrated(
    associations, tmp_path, sandbox, monkeypatch
):
    monkeypatch.setenv("COURSIER_REVIEW_POLL_SECONDS", "1")
    deposit(tmp_path, sandbox)
    thread, done = integrate_in_background()
    run = paused_run("pas-crm")
    keyset = keyset_from_paused_state(run.state)
    form = read_flow_run_input(keyset["schema"], flow_run_id=run.id)
    # What the UI draws: one multiple choice among exactly the dossier's associations that
    # month, all ticked.
    offered = form["properties"]["associations"]
    assert offered["type"] == "array"
    assert offered["items"]["enum"] == [A, B, C, D]
    assert offered["default"] == [A, B, C, D]
    with pytest.raises(Exception, match="associations"):  # the form refuses another SIRET
        resume_flow_run(run.id, run_input={"associations": [A, "12345678900011"]})
    resume_flow_run(run.id, run_input={"associations": [A, C]})
    thread.join(120)
    state = done["state"]
    assert state.is_completed(), state.message
    assert set(outcomes(associations, state)) == {A, C}
    assert {siret for siret, _employee in rate_rows(associations)} == {A, C}


def test_nobody_choosing_the_associations_fails_the_run_saying_so(
    associations, tmp_path, sandbox, monkeypatch
):
    monkeypatch.setenv("COURSIER_REVIEW_POLL_SECONDS", "1")
    monkeypatch.setenv("COURSIER_REVIEW_TIMEOUT_SECONDS", "2")
    deposit(tmp_path, sandbox)
    state = integrate(choose_associations=True)
    assert state.is_failed()
    with open_store(associations.effective_database_url()) as store, store.read() as session:
        [failed] = [e for e in query_audit(session) if e.action == "run.failed"]
    assert "Personne n'a choisi les associations" in failed.details["message"]
    assert counts(associations) == (0, 0)


def test_choosing_needs_one_dossier_and_a_normal_run(associations):
    state = pas_crm(month="2026-10", choose_associations=True, return_state=True)
    assert state.is_failed()
    assert "Choisir les associations demande un dossier" in state.message
