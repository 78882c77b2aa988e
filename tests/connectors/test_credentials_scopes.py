"""Scoped credentials saved as Blocks: the narrowest wins, deleting falls back to a wider one,
names are slugified, and a missing one says which names were tried and what to run; the chain
comes from the portfolio, for any platform's Block type, a Belgian company keyed by its
country-qualified number and a French one by its SIREN as before."""

from __future__ import annotations

import logging
import uuid

import pytest
from pydantic import SecretStr

from coursier.connectors.credentials import (
    CredentialsNotFound,
    ScopeChain,
    ScopedCredentials,
    block_name,
    delete,
    list_saved,
    load,
    parse_block_name,
    resolve,
    save,
)
from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.scopes import resolve_account_credentials
from coursier.store import DossierView
from tests.models.portfolio.samples import ACME, ACME_PARIS, SOLVAY, SOLVAY_UNIT

PASSWORD = "Mdp-tres-secret-42"
CHAIN = ScopeChain(dossier="CCH_001", company="552081317", directory="CAB-NORD")


@pytest.fixture
def prefix() -> str:
    """A name prefix of this test's own, so that tests sharing the API never see each other."""
    return f"t{uuid.uuid4().hex[:12]}"


def credentials(scope: str, key: str | None, siret: str) -> NetEntreprisesCredentials:
    return NetEntreprisesCredentials(
        scope=scope,
        scope_key=key,
        siret=siret,
        last_name="declarant",
        first_name="declarant",
        password=PASSWORD,
    )


APPLICATION = ("application", None, "99900000300015")
DIRECTORY = ("directory", "CAB-NORD", "40248366300017")
COMPANY = ("company", "552081317", "55208131700018")
DOSSIER = ("dossier", "CCH_001", "55208131700026")


def test_names_encode_the_scope_with_slugified_keys() -> None:
    assert CHAIN.candidates("net-entreprises") == [
        "net-entreprises--dossier--cch-001",
        "net-entreprises--company--552081317",
        "net-entreprises--directory--cab-nord",
        "net-entreprises--application",
    ]
    assert ScopeChain(dossier="D 1").candidates("p") == ["p--dossier--d-1", "p--application"]
    assert parse_block_name("net-entreprises", "net-entreprises--dossier--cch-001") == (
        "dossier",
        "cch-001",
    )
    assert parse_block_name("net-entreprises", "net-entreprises--application") == (
        "application",
        None,
    )
    for other in ("net-entreprises--other--x", "net-entreprises", "payflip--application"):
        assert parse_block_name("net-entreprises", other) is None
    with pytest.raises(ValueError, match="demande une clé"):
        block_name("p", "dossier", None)


@pytest.mark.usefixtures("prefect_api")
def test_narrowest_saved_scope_wins_until_deleted(prefix: str) -> None:
    for scope, key, siret in (APPLICATION, DIRECTORY, COMPANY, DOSSIER):
        save(credentials(scope, key, siret), prefix)

    winner = resolve(NetEntreprisesCredentials, CHAIN, prefix)
    assert (winner.scope, winner.name) == ("dossier", f"{prefix}--dossier--cch-001")
    assert winner.block.siret == DOSSIER[2]
    assert winner.block.password.get_secret_value() == PASSWORD

    expected_after_each_delete = [("company", COMPANY), ("directory", DIRECTORY)]
    for (scope, key, _), (next_scope, (_, _, next_siret)) in zip(
        (DOSSIER, COMPANY), expected_after_each_delete, strict=True
    ):
        delete(NetEntreprisesCredentials, prefix, scope, key)
        winner = resolve(NetEntreprisesCredentials, CHAIN, prefix)
        assert (winner.scope, winner.block.siret) == (next_scope, next_siret)

    delete(NetEntreprisesCredentials, prefix, "directory", "CAB-NORD")
    winner = resolve(NetEntreprisesCredentials, CHAIN, prefix)
    assert (winner.scope, winner.name) == ("application", f"{prefix}--application")


@pytest.mark.usefixtures("prefect_api")
def test_dossier_scope_overrides_application_saved_after_it(prefix: str) -> None:
    save(credentials(*DOSSIER), prefix)
    save(credentials(*APPLICATION), prefix)
    assert resolve(NetEntreprisesCredentials, CHAIN, prefix).scope == "dossier"
    other = ScopeChain(dossier="CCH_002", company="552081317", directory="CAB-NORD")
    assert resolve(NetEntreprisesCredentials, other, prefix).scope == "application"


@pytest.mark.usefixtures("prefect_api")
def test_missing_credentials_list_the_names_tried_and_the_command(prefix: str) -> None:
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(NetEntreprisesCredentials, CHAIN, prefix)
    error = caught.value
    assert isinstance(error, ConnectorError)
    assert isinstance(error, LookupError)
    assert error.tried == tuple(CHAIN.candidates(prefix))
    message = str(error)
    for name in CHAIN.candidates(prefix):
        assert name in message
    assert "coursier credentials set" in message


@pytest.mark.usefixtures("prefect_api")
def test_saving_again_replaces_and_load_of_nothing_is_none(prefix: str) -> None:
    assert load(NetEntreprisesCredentials, f"{prefix}--application") is None
    save(credentials(*APPLICATION), prefix)
    save(credentials("application", None, "55208131700034"), prefix)
    loaded = load(NetEntreprisesCredentials, f"{prefix}--application")
    assert loaded is not None
    assert loaded.siret == "55208131700034"


@pytest.mark.usefixtures("prefect_api")
def test_deleting_what_is_not_saved_says_so(prefix: str) -> None:
    with pytest.raises(CredentialsNotFound, match=f"{prefix}--dossier--cch-001"):
        delete(NetEntreprisesCredentials, prefix, "dossier", "CCH_001")


@pytest.mark.usefixtures("prefect_api")
def test_list_saved_parses_names_and_masks_passwords(prefix: str) -> None:
    save(credentials(*DOSSIER), prefix)
    save(credentials(*APPLICATION), prefix)
    saved = list_saved(NetEntreprisesCredentials, prefix)
    assert [(name, scope, key) for name, scope, key, _ in saved] == [
        (f"{prefix}--application", "application", None),
        (f"{prefix}--dossier--cch-001", "dossier", "CCH_001"),
    ]
    assert all(block.password.get_secret_value() != PASSWORD for *_, block in saved)
    assert list_saved(NetEntreprisesCredentials, f"{prefix}x") == []


@pytest.mark.usefixtures("prefect_api")
def test_block_whose_scope_disagrees_with_its_name_is_refused(prefix: str) -> None:
    credentials(*APPLICATION).save(f"{prefix}--dossier--cch-001")
    with pytest.raises(ConnectorError, match="enregistrez-le de nouveau"):
        resolve(NetEntreprisesCredentials, CHAIN, prefix)


@pytest.mark.usefixtures("prefect_api")
def test_password_never_reaches_the_logs(
    prefix: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    save(credentials(*DOSSIER), prefix)
    resolved = resolve(NetEntreprisesCredentials, CHAIN, prefix)
    logging.getLogger("coursier.test").info("resolved %s", resolved)
    list_saved(NetEntreprisesCredentials, prefix)
    delete(NetEntreprisesCredentials, prefix, "dossier", "CCH_001")
    captured = capsys.readouterr()
    assert PASSWORD not in caplog.text
    assert PASSWORD not in captured.out + captured.err
    assert "resolved" in caplog.text


class PayrollTestCredentials(ScopedCredentials):
    """Another platform's Block, as Payflip's or Securex's will be: only the scope is shared."""

    _block_type_name = "Coursier test payroll credentials"

    api_key: SecretStr


FRENCH = DossierView(
    code="CCH_001",
    name="Acme Paris",
    siren=ACME,
    company_name="Acme",
    directory_code="CAB-NORD",
    sirets=(ACME_PARIS,),
    platform="net-entreprises",
)
BELGIAN = DossierView(
    code="SOL_RH",
    name="Solvay RH",
    siren=None,
    company_name="Solvay",
    directory_code="BXL",
    sirets=(),
    platform=None,
    country="BE",
    company_number=SOLVAY,
    establishments=(SOLVAY_UNIT,),
    platforms={"hr-sync": "payflip"},
)


def test_the_chain_of_a_french_dossier_names_the_blocks_saved_before() -> None:
    assert ScopeChain.of(FRENCH) == CHAIN
    assert ScopeChain.of(FRENCH).candidates("net-entreprises")[1] == (
        "net-entreprises--company--552081317"
    )


def test_a_belgian_company_is_keyed_by_its_country_qualified_number() -> None:
    assert ScopeChain.of(BELGIAN).candidates("payflip") == [
        "payflip--dossier--sol-rh",
        f"payflip--company--be{SOLVAY}",
        "payflip--directory--bxl",
        "payflip--application",
    ]
    for typed in (f"BE{SOLVAY}", SOLVAY, "BE 0403.170.701", "be0403170701", "0403.170.701"):
        assert block_name("payflip", "company", typed) == f"payflip--company--be{SOLVAY}"
    # Nine digits are a SIREN, as they always were: never a Belgian company's name.
    assert block_name("payflip", "company", SOLVAY[1:]) == f"payflip--company--{SOLVAY[1:]}"
    assert block_name("payflip", "dossier", SOLVAY) == f"payflip--dossier--{SOLVAY}"


def payroll(scope: str, key: str | None, api_key: str) -> PayrollTestCredentials:
    return PayrollTestCredentials(scope=scope, scope_key=key, api_key=api_key)


@pytest.mark.usefixtures("prefect_api")
def test_any_platform_block_resolves_along_a_belgian_dossier_chain(prefix: str) -> None:
    chain = ScopeChain.of(BELGIAN)
    save(payroll("application", None, "application-key"), prefix)
    save(payroll("company", SOLVAY[1:], "a-siren-of-the-same-digits"), prefix)
    assert resolve(PayrollTestCredentials, chain, prefix).scope == "application"

    saved_as = save(payroll("company", "BE 0403.170.701", "solvay-key"), prefix)
    assert saved_as == f"{prefix}--company--be{SOLVAY}"
    found = resolve(PayrollTestCredentials, chain, prefix)
    assert (found.scope, found.name) == ("company", saved_as)
    assert found.block.api_key.get_secret_value() == "solvay-key"

    save(payroll("dossier", "SOL_RH", "dossier-key"), prefix)
    assert resolve(PayrollTestCredentials, chain, prefix).block.api_key.get_secret_value() == (
        "dossier-key"
    )
    delete(PayrollTestCredentials, prefix, "dossier", "SOL_RH")
    delete(PayrollTestCredentials, prefix, "company", SOLVAY)  # as typed another way
    assert resolve(PayrollTestCredentials, chain, prefix).scope == "application"


@pytest.mark.usefixtures("prefect_api")
def test_nothing_saved_for_a_belgian_dossier_lists_its_names(prefix: str) -> None:
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(PayrollTestCredentials, ScopeChain.of(BELGIAN), prefix)
    assert f"{prefix}--company--be{SOLVAY}" in caught.value.tried
    assert "api_key" not in str(caught.value)


@pytest.mark.usefixtures("prefect_api")
def test_a_company_block_naming_another_company_is_refused(prefix: str) -> None:
    payroll("company", "BE0202239951", "other").save(f"{prefix}--company--be{SOLVAY}")
    with pytest.raises(ConnectorError, match="enregistrez-le de nouveau"):
        resolve(PayrollTestCredentials, ScopeChain.of(BELGIAN), prefix)


def test_a_dossier_without_dsn_platform_resolves_no_account_and_says_why() -> None:
    with pytest.raises(ConnectorError, match="le dossier SOL_RH ne dépose pas de DSN"):
        resolve_account_credentials(ScopeChain.of(BELGIAN), BELGIAN.platform)
