"""The scheduled returns control: AER collected, overwritten returns replaced and audited.

The flows' clients read the sandbox's clock here, so a test moves it past every return's delay
instead of sleeping and hoping the returns are out (on a loaded machine, no sleep is long enough).
"""

from __future__ import annotations

import pytest

from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.deposits import ControlState
from coursier.models.dsn import samples
from coursier.store import open_store, query_audit
from coursier.store.ledger import returns_of
from coursier.tasks.reporting import dossier_control_rows
from tests.flows.world import (
    BAKERY,
    EVERY_RETURN_OUT_S,
    GARAGE,
    GARAGE_OWN,
    OCTOBER,
    OPERATOR,
    write,
)

pytestmark = pytest.mark.usefixtures("clients_on_the_sandbox_clock")


def deposit_without_following(dossier, path):
    return dsn_deposit(
        dossier=dossier,
        files=[str(path)],
        operator=OPERATOR,
        follow_returns_minutes=0,
        return_state=True,
    )


def control(world, dossier):
    with open_store(world.effective_database_url()) as store:
        return dossier_control_rows(store, dossier)


def test_returns_control_settles_deposits_and_collects_the_aer(world, tmp_path, sandbox):
    fctu = write(
        tmp_path,
        "fctu.dsn",
        samples.end_of_contract_signal(GARAGE.employer, OCTOBER.replace(day=30)),
    )
    monthly = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    assert deposit_without_following(GARAGE.code, fctu).is_completed()
    assert deposit_without_following(BAKERY.code, monthly).is_completed()
    sandbox.clock.advance(EVERY_RETURN_OUT_S)
    state = dsn_returns(operator=OPERATOR, return_state=True)
    assert state.is_completed()
    assert state.name != "Partial"
    [fctu_row] = control(world, GARAGE.code)
    assert fctu_row.state is ControlState.TO_CHECK or fctu_row.state is ControlState.ACCEPTED
    assert fctu_row.pdf
    assert "Une AER est disponible" in fctu_row.message
    [pdf] = (world.aer_folder / GARAGE.code / "2026-10").glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    [monthly_row] = control(world, BAKERY.code)
    assert monthly_row.state is ControlState.ACCEPTED
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        natures = sorted(r.nature for r in returns_of(session, monthly_row.deposit_id))
    assert {"10", "11", "94"} <= set(natures)  # AEE, bilan, CRM nominatif stored with content


def test_an_overwritten_return_replaces_the_stored_one_and_is_audited(world, tmp_path, sandbox):
    monthly = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    assert deposit_without_following(BAKERY.code, monthly).is_completed()
    sandbox.clock.advance(EVERY_RETURN_OUT_S)
    assert dsn_returns(dossiers=[BAKERY.code], operator=OPERATOR, return_state=True).is_completed()
    [row] = control(world, BAKERY.code)
    assert row.state is ControlState.ACCEPTED
    platform = sandbox.state("net-entreprises")
    bilan = next(r for r in platform.returns(row.idflux) if r.nature == "11")
    platform.overwrite_return(row.idflux, bilan.return_id, status="KO")
    sandbox.clock.advance(EVERY_RETURN_OUT_S)
    assert dsn_returns(dossiers=[BAKERY.code], operator=OPERATOR, return_state=True).is_completed()
    [row] = control(world, BAKERY.code)
    assert row.state is ControlState.REJECTED
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        [stored] = [r for r in returns_of(session, row.deposit_id) if r.nature == "11"]
        assert (stored.status, stored.version) == ("KO", 2)
        events = query_audit(session, dossier=BAKERY.code)
        overwritten = [e for e in events if e.action == "dsn.return.overwritten"]
        assert len(overwritten) == 1
        assert overwritten[0].details["previous_status"] == "OK"


def test_a_dossier_without_credentials_fails_alone(world, tmp_path, sandbox):
    from coursier.connectors.credentials import delete
    from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials

    fctu = write(
        tmp_path,
        "fctu.dsn",
        samples.end_of_contract_signal(GARAGE.employer, OCTOBER.replace(day=30)),
    )
    monthly = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    deposit_without_following(GARAGE.code, fctu)
    deposit_without_following(BAKERY.code, monthly)
    delete(NetEntreprisesCredentials, NAME_PREFIX, "application", None)  # the bakery's
    state = dsn_returns(operator=OPERATOR, return_state=True)
    assert state.name == "Partial"
    assert GARAGE_OWN.password.get_secret_value() not in (state.message or "")


def test_returns_stored_before_their_deposit_was_known_are_attached_to_it(world, tmp_path, sandbox):
    """A concentrateur's listing brings the returns of every declarant it acts for: those of
    another declarant's account are stored unattached. When that account's control lists them
    again, unchanged, they are attached to their deposit and settle it, not skipped forever."""
    from sqlalchemy import update

    from coursier.store import Deposit
    from coursier.store.ledger_tables import StoredReturn

    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=8))
    assert deposit_without_following(BAKERY.code, path).is_completed()
    sandbox.clock.advance(EVERY_RETURN_OUT_S)
    [row] = control(world, BAKERY.code)
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        session.execute(update(StoredReturn).values(deposit_id=None))
        session.execute(
            update(Deposit)
            .where(Deposit.id == row.deposit_id)
            .values(state="deposited", message="Déposée", final_at=None)
        )
    assert control(world, BAKERY.code)[0].ledger_state == "deposited"

    assert dsn_returns(operator=OPERATOR, return_state=True).is_completed()
    [row] = control(world, BAKERY.code)
    assert row.state is ControlState.ACCEPTED
    with open_store(world.effective_database_url()) as store, store.read() as session:
        assert {r.nature for r in returns_of(session, row.deposit_id)} >= {"10", "11"}


def test_the_summary_names_the_files_to_check_and_the_dossiers_that_failed(
    world, tmp_path, sandbox
):
    from coursier.connectors.credentials import delete
    from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials
    from tests.flows.test_cli_runs import artifacts_of
    from tests.flows.test_dsn_deposit import as_test_file

    trial = write(
        tmp_path,
        "essai.dsn",
        as_test_file(samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=2)),
    )
    assert deposit_without_following(BAKERY.code, trial).is_completed()
    sandbox.clock.advance(EVERY_RETURN_OUT_S)
    state = dsn_returns(dossiers=[BAKERY.code], operator=OPERATOR, return_state=True)
    [summary] = artifacts_of(state, "dsn-returns")
    todo = summary.data.split("## À faire")[1].split("\n\n")[1].splitlines()
    [step, where] = todo
    assert step.startswith("- BOUL-01 — essai.dsn (01 DSN mensuelle 10/2026, À contrôler) : ")
    assert "contrôlez" in step
    assert "CCH-040" in step
    assert where == (
        "- BOUL-01 — Détail : `coursier dsn control --dossier BOUL-01 --detail`, "
        "`coursier dsn returns show FICHIER` ou l'artefact dsn-anomalies-BOUL-01"
    )

    delete(NetEntreprisesCredentials, NAME_PREFIX, "application", None)  # the bakery's
    state = dsn_returns(dossiers=[BAKERY.code], operator=OPERATOR, return_state=True)
    assert state.is_failed()  # its only dossier failed
    [summary] = artifacts_of(state, "dsn-returns")
    [failed] = summary.data.split("## À faire")[1].split("\n\n")[1].splitlines()
    assert failed.startswith("- BOUL-01 : contrôle en échec — ")
    assert failed.endswith("relancez les échecs de ce passage (retry_failed_of)")
