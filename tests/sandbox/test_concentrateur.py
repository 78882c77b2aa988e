"""The official simulator's concentrateur, seeded: its header, its declarants, its listings."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from coursier.models.returns.listings import format_window_time, parse_deposits, parse_returns
from coursier.models.returns.rapport import parse_rapport
from coursier.sandbox.accounts import SIMULATOR_DECLARANT_SIRET, AccountState
from tests.sandbox.helpers import (
    PLATFORM,
    account_login,
    deposit,
    login,
    login_xml,
    monthly_file,
    token_headers,
)

CONCENTRATEUR = login_xml("18751249600022", "CTR2000", "concentrateur", "azerty", "98")
SIMULATOR_DECLARANT = f"{SIMULATOR_DECLARANT_SIRET};declarant;declarant"


def named(identity: str) -> str:
    return base64.b64encode(identity.encode()).decode()


@pytest.fixture
def token(client, base):
    answer = login(client, base, CONCENTRATEUR)
    assert answer.status_code == 200
    return answer.text


def acting(token: str, identity: str | None = SIMULATOR_DECLARANT) -> dict[str, str]:
    suffix = f",declarant={named(identity)}" if identity else ""
    return {"Authorization": f"DSNLogin concentrateur={token}{suffix}"}


def window(sandbox, minutes: int) -> str:
    """``minutes`` wide, ending a minute from now (bounds are whole seconds)."""
    end = sandbox.clock.now() + timedelta(minutes=1)
    return f"{format_window_time(end - timedelta(minutes=minutes))}/{format_window_time(end)}"


def recorded(client, base):
    return client.get(f"{base}/_sandbox/deposits").json()


def test_the_concentrateur_logs_in_with_98_only(client, base):
    assert login(client, base, CONCENTRATEUR).status_code == 200
    refused = login(client, base, CONCENTRATEUR.replace(b">98<", b">97<"))  # recording 14
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="net-entreprises.fr"'


def test_a_deposit_for_a_declarant_is_that_declarants(client, base, sandbox, token):
    answer = deposit(client, base, acting(token), monthly_file())
    assert answer.status_code == 200
    aee = parse_rapport(answer.content)
    assert aee.declarant_siret == SIMULATOR_DECLARANT_SIRET
    [entry] = recorded(client, base)
    assert (entry["account_siret"], entry["concentrateur_siret"]) == (
        SIMULATOR_DECLARANT_SIRET,
        "18751249600022",
    )
    listed = client.get(f"{base}/lister-depots/1.0/{window(sandbox, 10)}", headers=acting(token))
    assert listed.headers["Accept-Ranges"] == "minutes=0-10"  # recording 54
    assert [d.idflux for d in parse_deposits(listed.content, "")] == [aee.idflux]
    assert b"<siret>98765432109876</siret><nom>declarant</nom>" in listed.content
    wide = client.get(f"{base}/lister-depots/1.0/{window(sandbox, 30)}", headers=acting(token))
    assert wide.status_code == 429  # recording 53


@pytest.mark.parametrize(
    ("identity", "realm"),
    [
        (None, "Jeton manquant ou invalide"),  # recording 37
        ("99900000300015;declarant;declarant", "Utilisateur non-inscrit au service"),  # 36
        (f"{SIMULATOR_DECLARANT_SIRET};autre;nom", "Utilisateur non-inscrit au service"),
    ],
)
def test_a_deposit_needs_a_declarant_it_acts_for(client, base, token, identity, realm):
    answer = deposit(client, base, acting(token, identity), monthly_file())
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == f'DSNLogin realm="{realm}"'
    assert recorded(client, base) == []


def test_a_header_form_that_does_not_fit_the_token_is_refused(client, base, token):
    declarant = token_headers(client, base)["Authorization"].split("=", 1)[1]
    for header in (
        f"DSNLogin jeton={token}",
        f"DSNLogin concentrateur={declarant},declarant={named(SIMULATOR_DECLARANT)}",
        f"DSNLogin concentrateur={token},declarant=@@@",
    ):
        answer = deposit(client, base, {"Authorization": header}, monthly_file())
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'DSNLogin realm="Jeton manquant ou invalide"'


def test_its_flux_and_downloads_with_the_concentrateur_part_alone(client, base, sandbox, token):
    idflux = parse_rapport(deposit(client, base, acting(token), monthly_file()).content).idflux
    sandbox.clock.advance(30)
    alone = acting(token, None)
    flux = client.get(f"{base}/lister-retours-flux/2.0/{idflux}", headers=alone)  # recording 68
    assert flux.status_code == 200
    entries = parse_returns(flux.content, flux.headers["Content-Type"]).entries
    assert client.get(entries[0].url, headers=alone).status_code == 200  # recording 98
    official = client.get(
        f"{base}/telecharger-retour/1.0/{idflux}/{entries[0].return_id}", headers=alone
    )
    assert parse_rapport(official.content).type == "AEE"
    own = client.get(f"{base}/lister-retours-concentrateur/1.0/{window(sandbox, 5)}", headers=alone)
    assert own.headers["Accept-Ranges"] == "minutes=0-10"  # recording 89
    assert {e.idflux for e in parse_returns(own.content, "").entries} == {idflux}
    declarant = token_headers(client, base)
    refused = client.get(
        f"{base}/lister-retours-concentrateur/1.0/{window(sandbox, 5)}", headers=declarant
    )
    assert refused.status_code == 401  # recording 90
    assert (
        client.get(f"{base}/lister-retours-flux/1.0/{idflux}", headers=declarant).status_code == 403
    )


def test_it_acts_for_the_sandboxs_own_active_account(client, base, sandbox, token):
    active = next(
        a
        for a in sandbox.state(PLATFORM).accounts()
        if a.state is AccountState.ACTIVE and a.nom.startswith("GESTIONNAIRE")
    )
    headers = acting(token, f"{active.siret};{active.nom};{active.prenom}")
    idflux = parse_rapport(deposit(client, base, headers, monthly_file()).content).idflux
    own = token_headers(client, base, account_login(active))
    listed = client.get(f"{base}/lister-depots/1.0/{window(sandbox, 10)}", headers=own)
    assert [d.idflux for d in parse_deposits(listed.content, "")] == [idflux]
    returns = client.get(
        f"{base}/lister-retours-declarant/1.0/{window(sandbox, 10)}", headers=headers
    )
    assert returns.headers["Accept-Ranges"] == "minutes=0-60"  # recording 88
    assert {e.idflux for e in parse_returns(returns.content, "").entries} == {idflux}
