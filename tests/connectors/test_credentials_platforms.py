"""Credentials of both platforms at one scope: names prefixed by the platform, the narrowest
scope of the dossier's platform wins, legacy ``net-entreprises--`` names of IZILIO credentials
still found for IZILIO and never for Net-Entreprises, a block whose platform contradicts its
name never used."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from coursier.connectors.credentials import (
    CredentialsNotFound,
    ScopeChain,
    block_name,
    load,
    save,
)
from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.scopes import (
    Candidate,
    candidates,
    credentials_prefix,
    decide,
    list_account_credentials,
    platform_served,
    resolve_account_credentials,
)

PASSWORD = "Mdp-des-deux-plateformes"
URLS = {f"{kind}_url": "https://izilio.example" for kind in ("auth", "deposit", "consultation")}
URLS["download_url"] = "https://izilio.example"
NE_SIRET, IZ_SIRET, LEGACY_SIRET = "99900000300015", "55208131700018", "40248366300017"


def credentials(platform: str, scope: str, key: str | None, siret: str):
    return NetEntreprisesCredentials(
        scope=scope,
        scope_key=key,
        siret=siret,
        last_name="declarant",
        first_name="declarant",
        password=PASSWORD,
        platform=platform,
        **(URLS if platform == "izilio" else {}),
    )


@pytest.fixture
def chain() -> Iterator[ScopeChain]:
    """A dossier of this test's own; the application scope is shared by every test of the
    session, so its names are cleared before and after."""
    tag = uuid.uuid4().hex[:10]
    chain = ScopeChain(dossier=f"D-{tag}", company=f"c{tag}", directory=f"R-{tag}")
    _forget(chain)
    yield chain
    _forget(chain)


def _forget(chain: ScopeChain) -> None:
    for platform in ("net-entreprises", "izilio"):
        for candidate in candidates(chain, platform):
            if load(NetEntreprisesCredentials, candidate.name) is not None:
                NetEntreprisesCredentials.delete(candidate.name)


def test_prefixes_are_the_platforms() -> None:
    assert credentials_prefix("net-entreprises") == "net-entreprises"
    assert credentials_prefix("izilio") == "izilio"
    with pytest.raises(ValueError, match="plateforme 'payflip' inconnue"):
        credentials_prefix("payflip")


def test_izilio_tries_its_own_name_then_the_legacy_one_at_each_scope() -> None:
    chain = ScopeChain(dossier="CCH_001", company="552081317")
    assert [(c.name, c.legacy) for c in candidates(chain, "izilio")] == [
        ("izilio--dossier--cch-001", False),
        ("net-entreprises--dossier--cch-001", True),
        ("izilio--company--552081317", False),
        ("net-entreprises--company--552081317", True),
        ("izilio--application", False),
        ("net-entreprises--application", True),
    ]
    assert [c.name for c in candidates(chain, "net-entreprises")] == [
        "net-entreprises--dossier--cch-001",
        "net-entreprises--company--552081317",
        "net-entreprises--application",
    ]


@pytest.mark.parametrize(
    ("name", "block_platform", "served"),
    [
        ("net-entreprises--application", "net-entreprises", "net-entreprises"),
        ("izilio--application", "izilio", "izilio"),
        ("net-entreprises--application", "izilio", "izilio"),  # legacy
        ("izilio--application", "net-entreprises", None),  # contradicts its name
    ],
)
def test_the_platform_a_saved_block_serves(name: str, block_platform: str, served) -> None:
    assert platform_served(name, block_platform) == served


@pytest.mark.parametrize(
    ("name", "legacy", "block_platform", "platform", "decision"),
    [
        ("izilio--application", False, "izilio", "izilio", "use"),
        ("net-entreprises--application", True, "izilio", "izilio", "use"),
        ("net-entreprises--application", True, "net-entreprises", "izilio", "skip"),
        ("izilio--application", False, "net-entreprises", "izilio", "refuse"),
        ("net-entreprises--application", False, "net-entreprises", "net-entreprises", "use"),
        ("net-entreprises--application", False, "izilio", "net-entreprises", "skip"),
        ("izilio--application", False, "net-entreprises", "net-entreprises", "refuse"),
    ],
)
def test_decisions(name, legacy, block_platform, platform, decision) -> None:
    candidate = Candidate("application", None, name, legacy)
    assert decide(candidate, block_platform, platform) == decision


@pytest.mark.usefixtures("prefect_api")
def test_both_platforms_at_one_scope_each_resolve_their_own(chain: ScopeChain) -> None:
    save(credentials("net-entreprises", "application", None, NE_SIRET), "net-entreprises")
    save(credentials("izilio", "application", None, IZ_SIRET), "izilio")
    ne = resolve_account_credentials(chain, "net-entreprises")
    iz = resolve_account_credentials(chain, "izilio")
    assert (ne.name, ne.block.platform, ne.block.siret) == (
        "net-entreprises--application",
        "net-entreprises",
        NE_SIRET,
    )
    assert (iz.name, iz.block.platform, iz.block.siret) == (
        "izilio--application",
        "izilio",
        IZ_SIRET,
    )
    assert iz.block.password.get_secret_value() == PASSWORD
    listed = {(s.name, s.platform, s.legacy) for s in list_account_credentials()}
    assert {
        ("net-entreprises--application", "net-entreprises", False),
        ("izilio--application", "izilio", False),
    } <= listed


@pytest.mark.usefixtures("prefect_api")
def test_the_narrowest_scope_of_the_platform_wins(chain: ScopeChain) -> None:
    save(credentials("net-entreprises", "application", None, NE_SIRET), "net-entreprises")
    save(credentials("izilio", "dossier", chain.dossier, IZ_SIRET), "izilio")
    save(credentials("izilio", "application", None, LEGACY_SIRET), "izilio")
    assert resolve_account_credentials(chain, "izilio").scope == "dossier"
    # IZILIO's dossier credentials are not Net-Entreprises': its application ones are used.
    assert resolve_account_credentials(chain, "net-entreprises").scope == "application"


@pytest.mark.usefixtures("prefect_api")
def test_a_legacy_name_holding_izilio_credentials_is_found_for_izilio_only(
    chain: ScopeChain,
) -> None:
    legacy = credentials("izilio", "dossier", chain.dossier, LEGACY_SIRET)
    save(legacy, "net-entreprises")  # as coursier saved every block before the prefixes
    found = resolve_account_credentials(chain, "izilio")
    assert (found.name, found.block.siret) == (
        block_name("net-entreprises", "dossier", chain.dossier),
        LEGACY_SIRET,
    )
    with pytest.raises(CredentialsNotFound):
        resolve_account_credentials(chain, "net-entreprises")
    save(credentials("net-entreprises", "application", None, NE_SIRET), "net-entreprises")
    assert resolve_account_credentials(chain, "net-entreprises").block.siret == NE_SIRET
    (listed,) = [s for s in list_account_credentials() if s.name == found.name]
    assert (listed.platform, listed.legacy) == ("izilio", True)


@pytest.mark.usefixtures("prefect_api")
def test_a_legacy_name_is_narrower_than_izilio_s_application_but_not_its_own_name(
    chain: ScopeChain,
) -> None:
    save(credentials("izilio", "application", None, IZ_SIRET), "izilio")
    save(credentials("izilio", "dossier", chain.dossier, LEGACY_SIRET), "net-entreprises")
    assert resolve_account_credentials(chain, "izilio").block.siret == LEGACY_SIRET
    save(credentials("izilio", "dossier", chain.dossier, NE_SIRET), "izilio")
    found = resolve_account_credentials(chain, "izilio")
    assert (found.name, found.block.siret) == (
        f"izilio--dossier--{chain.dossier.lower()}",
        NE_SIRET,
    )


@pytest.mark.usefixtures("prefect_api")
def test_a_block_contradicting_its_name_is_never_used(chain: ScopeChain) -> None:
    name = block_name("izilio", "dossier", chain.dossier)
    credentials("net-entreprises", "dossier", chain.dossier, NE_SIRET).save(name)
    save(credentials("net-entreprises", "application", None, LEGACY_SIRET), "net-entreprises")
    with pytest.raises(ConnectorError, match="contient des identifiants net-entreprises") as bad:
        resolve_account_credentials(chain, "izilio")
    assert name in str(bad.value)
    assert "--platform izilio" in str(bad.value)
    assert PASSWORD not in str(bad.value)
    # Not for Net-Entreprises either: its own names only, and the application's is used.
    assert resolve_account_credentials(chain, "net-entreprises").block.siret == LEGACY_SIRET
    (listed,) = [s for s in list_account_credentials() if s.name == name]
    assert listed.platform is None


@pytest.mark.usefixtures("prefect_api")
def test_nothing_saved_for_izilio_lists_its_names_and_the_legacy_ones(chain: ScopeChain) -> None:
    save(credentials("net-entreprises", "application", None, NE_SIRET), "net-entreprises")
    with pytest.raises(CredentialsNotFound) as missing:
        resolve_account_credentials(chain, "izilio")
    assert missing.value.tried == tuple(c.name for c in candidates(chain, "izilio"))
    message = str(missing.value)
    assert "coursier credentials set --platform izilio" in message
    assert PASSWORD not in message


@pytest.mark.usefixtures("prefect_api")
def test_a_block_whose_scope_contradicts_its_name_is_refused(chain: ScopeChain) -> None:
    credentials("izilio", "application", None, IZ_SIRET).save(
        block_name("izilio", "dossier", chain.dossier)
    )
    with pytest.raises(ConnectorError, match="enregistrez-le de nouveau"):
        resolve_account_credentials(chain, "izilio")
