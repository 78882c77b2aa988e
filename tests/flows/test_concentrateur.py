"""A concentrateur account (service 98) deposits and controls returns for the declarant the
portfolio names, and its rows are an account of their own."""

from __future__ import annotations

import contextlib

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from coursier.connectors.credentials import CredentialsNotFound, delete, save
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.deployments.sandbox_world import credentials_for
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns
from coursier.models.dsn import samples
from coursier.sandbox.accounts import Account
from coursier.store import Deposit, open_store
from coursier.store.tables import CompanyRow
from tests.flows.world import BAKERY, BUREAU, OCTOBER, OPERATOR, write


@pytest.fixture(autouse=True)
def suite_credentials_removed_after():
    """The concentrateur's block is the dossier's: later tests must find the bureau's again."""
    yield
    with contextlib.suppress(CredentialsNotFound):
        delete(NetEntreprisesCredentials, "net-entreprises", "dossier", BAKERY.code)


SUITE = Account(
    siret="18751249600022",
    nom="CTR2000",
    prenom="concentrateur",
    motdepasse=SecretStr("Suite-Paie-2026"),
    services=frozenset({"98"}),
    declarants=frozenset({BUREAU.siret}),
)


def test_a_concentrateur_deposits_for_the_declarant_of_the_portfolio(world, tmp_path, sandbox):
    platform = sandbox.state("net-entreprises")
    platform.add_account(SUITE)
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        session.execute(
            update(CompanyRow)
            .where(CompanyRow.siren == BAKERY.employer.siren)
            .values(
                declarant_siret=BUREAU.siret,
                declarant_last_name=BUREAU.last_name,
                declarant_first_name=BUREAU.first_name,
            )
        )
    suite = credentials_for(
        BUREAU, sandbox.url("net-entreprises"), "dossier", BAKERY.code, "net-entreprises"
    )
    suite = suite.model_copy(
        update={
            "siret": SUITE.siret,
            "last_name": SUITE.nom,
            "first_name": SUITE.prenom,
            "password": SUITE.motdepasse,
            "service": "98",
        }
    )
    save(suite, "net-entreprises")
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    state = dsn_deposit(
        dossier=BAKERY.code,
        files=[str(path)],
        operator=OPERATOR,
        follow_returns_minutes=0.2,
        return_state=True,
    )
    assert state.is_completed(), state.message
    [received] = platform.deposits()
    assert (received.account_siret, received.concentrateur_siret) == (BUREAU.siret, SUITE.siret)
    assert dsn_returns(operator=OPERATOR, return_state=True).is_completed()
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        [row] = session.scalars(select(Deposit)).all()
    assert (row.state, row.idflux) == ("accepted", received.idflux)
    assert (row.concentrateur, row.declarant_siret) == (True, BUREAU.siret)
    assert row.account_key.endswith(f"|{BUREAU.siret}|concentrateur")
    for secret in (SUITE.motdepasse.get_secret_value(), BUREAU.password.get_secret_value()):
        assert secret not in str(state.message)


def test_a_concentrateur_without_declarant_says_what_to_add(world, tmp_path, sandbox):
    suite = credentials_for(
        BUREAU, sandbox.url("net-entreprises"), "dossier", BAKERY.code, "net-entreprises"
    ).model_copy(update={"service": "98"})
    save(suite, "net-entreprises")
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    state = dsn_deposit(
        dossier=BAKERY.code, files=[str(path)], operator=OPERATOR, return_state=True
    )
    assert state.is_failed()
    assert "concentrateur" in state.message
    assert "portefeuille" in state.message
    assert sandbox.state("net-entreprises").deposits() == []
