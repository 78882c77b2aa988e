"""The deposit flow end to end against the sandbox: the four final states, re-runs, audit."""

from __future__ import annotations

import dataclasses
import json

from coursier.flows.dsn_deposit import dsn_deposit
from coursier.models.deposits import ControlState
from coursier.models.dsn import samples
from coursier.models.dsn.records import Contract, Envoi
from coursier.store import open_store, query_audit
from coursier.tasks.reporting import dossier_control_rows
from tests.flows.world import (
    BAKERY,
    BUREAU,
    GARAGE,
    GARAGE_OWN,
    OCTOBER,
    OPERATOR,
    write,
)


def deposit(dossier, paths, **options):
    return dsn_deposit(
        dossier=dossier,
        files=[str(p) for p in paths],
        operator=OPERATOR,
        follow_returns_minutes=0.2,
        return_state=True,
        **options,
    )


def without_contract_number(records):
    for record in records:
        if isinstance(record, Contract):
            record = dataclasses.replace(record, number=None)
        yield record


def as_test_file(records):
    for record in records:
        if isinstance(record, Envoi):
            record = dataclasses.replace(record, test_or_real="01")
        yield record


def states(world, dossier):
    """Each file's row, whether it is its declaration's latest or in its history."""
    with open_store(world.effective_database_url()) as store:
        return {
            file.file: file for row in dossier_control_rows(store, dossier) for file in row.files
        }


def test_the_four_final_states(world, tmp_path, sandbox):
    employer = BAKERY.employer
    inbox = tmp_path / "inbox"
    files = [
        write(inbox, "dsn.dsn", samples.monthly_dsn(employer, OCTOBER, 3, seed=1)),
        write(inbox, "essai.dsn", as_test_file(samples.monthly_dsn(employer, OCTOBER, 2, seed=2))),
        write(
            inbox,
            "bloquant.dsn",
            without_contract_number(samples.monthly_dsn(employer, OCTOBER, 2)),
        ),
        write(inbox, "arret.dsn", samples.sick_leave_signal(employer, OCTOBER.replace(day=12))),
    ]
    state = deposit(BAKERY.code, files)
    assert state.name == "Partial"
    rows = states(world, BAKERY.code)
    assert rows["dsn.dsn"].state is ControlState.ACCEPTED
    assert rows["dsn.dsn"].message == "La DSN a été acceptée"
    assert rows["essai.dsn"].state is ControlState.TO_CHECK
    assert rows["essai.dsn"].message == "Des anomalies ont été détectées"
    assert rows["bloquant.dsn"].state is ControlState.REJECTED
    assert "bloquante" in rows["bloquant.dsn"].message
    assert rows["arret.dsn"].state is ControlState.NOT_DEPOSITED_M2M
    received = sandbox.state("net-entreprises").deposits(BUREAU.siret)
    assert len(received) == 2  # the blocked file and the M2M-off signal never left
    report = state.result()
    assert (report.ok, report.failed, report.skipped) == (2, 1, 1)


def test_dossier_credentials_win_over_the_application_ones(world, tmp_path, sandbox):
    path = write(
        tmp_path,
        "fctu.dsn",
        samples.end_of_contract_signal(GARAGE.employer, OCTOBER.replace(day=30)),
    )
    assert deposit(GARAGE.code, [path]).is_completed()
    platform = sandbox.state("net-entreprises")
    assert len(platform.deposits(GARAGE_OWN.siret)) == 1
    assert platform.deposits(BUREAU.siret) == []


def test_a_siren_of_another_company_is_refused_before_any_call(world, tmp_path, sandbox):
    path = write(tmp_path, "garage.dsn", samples.monthly_dsn(GARAGE.employer, OCTOBER, 1))
    state = deposit(BAKERY.code, [path])
    assert state.is_failed()
    assert sandbox.state("net-entreprises").deposits() == []
    row = states(world, BAKERY.code)["garage.dsn"]
    assert row.state is ControlState.REJECTED
    assert GARAGE.employer.siren in row.message


def test_rerun_redoes_only_the_failed_files_and_never_resends(world, tmp_path, sandbox):
    employer = BAKERY.employer
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(employer, OCTOBER, 2, seed=3))
    bad = write(
        tmp_path,
        "corrige-moi.dsn",
        without_contract_number(samples.monthly_dsn(employer, OCTOBER, 1)),
    )
    first = deposit(BAKERY.code, [good, bad])
    assert first.name == "Partial"
    first_run = str(first.state_details.flow_run_id)
    write(tmp_path, "corrige-moi.dsn", samples.monthly_dsn(employer, OCTOBER, 1, seed=9))
    second = dsn_deposit(
        dossier=BAKERY.code,
        retry_failed_of=first_run,
        operator=OPERATOR,
        follow_returns_minutes=0.2,
        return_state=True,
    )
    assert second.is_completed()
    assert second.name != "Partial"
    assert [item.key for item in second.result().items] == [str(bad)]
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 2
    again = deposit(BAKERY.code, [good])  # the very same accepted file, asked again
    assert again.result().items[0].status == "skipped"
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 2


def test_audit_rows_name_files_by_hash_and_never_the_password(world, tmp_path, sandbox, caplog):
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    state = deposit(BAKERY.code, [path])
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        events = query_audit(session, dossier=BAKERY.code)
        deposits = [e for e in events if e.action == "dsn.deposit"]
        assert len(deposits) == 1
        assert len(deposits[0].subject) == 64  # the file's sha256
        assert deposits[0].flow_run_id == str(state.state_details.flow_run_id)
        dumped = json.dumps([(e.actor, e.subject, e.outcome, e.details) for e in events])
    for secret in (BUREAU.password.get_secret_value(), GARAGE_OWN.password.get_secret_value()):
        assert secret not in dumped
        assert secret not in caplog.text
        assert secret not in json.dumps(state.result().model_dump())


def test_no_store_row_holds_a_password(world, tmp_path, sandbox):
    from sqlalchemy import select

    from coursier.store.tables import Base

    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    deposit(BAKERY.code, [path])
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        every_row = [
            str(row)
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table)).all()
        ]
    assert len(every_row) > 10
    for secret in (BUREAU.password.get_secret_value(), GARAGE_OWN.password.get_secret_value()):
        assert not any(secret in row for row in every_row)


def test_malformed_returns_leave_the_deposit_for_the_returns_control(world, tmp_path, sandbox):
    from coursier.flows.dsn_returns import dsn_returns
    from coursier.sandbox.faults import Fault, FaultKind

    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    platform = sandbox.state("net-entreprises")
    platform.faults.set(Fault(route="lister-retours-flux", kind=FaultKind.MALFORMED))
    state = deposit(BAKERY.code, [path])
    assert state.is_completed()  # deposited; its returns could not be read yet
    assert states(world, BAKERY.code)["dsn.dsn"].state is ControlState.WAITING
    platform.faults.clear()
    assert dsn_returns(operator=OPERATOR, return_state=True).is_completed()
    assert states(world, BAKERY.code)["dsn.dsn"].state is ControlState.ACCEPTED
    assert len(platform.deposits()) == 1


def test_a_dossier_on_izilio_deposits_there(world, tmp_path, sandbox):
    from coursier.deployments.sandbox_world import WorldDossier, install_world

    izilio = WorldDossier(
        "SPECT-04",
        "Compagnie de théâtre",
        samples.Employer.from_seed(91827364, "THÉÂTRE"),
        platform="izilio",
    )
    with open_store(world.effective_database_url()) as store:
        install_world(store, sandbox, [izilio], bureau=BUREAU, operator=OPERATOR)
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(izilio.employer, OCTOBER, 2))
    assert deposit(izilio.code, [path]).is_completed()
    assert len(sandbox.state("izilio").deposits(BUREAU.siret)) == 1
    assert states(world, izilio.code)["dsn.dsn"].state is ControlState.ACCEPTED


def test_the_aee_is_kept_from_the_deposit_answer_not_downloaded_again(
    world, tmp_path, sandbox, monkeypatch
):
    from coursier.connectors.net_entreprises.client import NetEntreprisesClient
    from coursier.store.ledger import returns_of

    answers, downloaded = [], []
    deposit_once, download_once = NetEntreprisesClient.deposit, NetEntreprisesClient.download

    def recording_deposit(client, dsn):
        rapport = deposit_once(client, dsn)
        answers.append(rapport.document)
        return rapport

    def recording_download(client, entry):
        downloaded.append(entry.nature)
        return download_once(client, entry)

    monkeypatch.setattr(NetEntreprisesClient, "deposit", recording_deposit)
    monkeypatch.setattr(NetEntreprisesClient, "download", recording_download)
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=5))
    assert deposit(BAKERY.code, [path]).is_completed()

    row = states(world, BAKERY.code)["dsn.dsn"]
    assert row.state is ControlState.ACCEPTED
    assert downloaded == ["11"]  # the bilan; the AEE came with the deposit's answer
    with open_store(world.effective_database_url()) as store, store.read() as session:
        stored = {r.nature: r.content for r in returns_of(session, row.deposit_id)}
    assert stored["10"] == answers[0]
    assert answers[0].startswith(b"<?xml")
