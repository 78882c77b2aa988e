"""Authentication and tokens: the limits, the realms and the states of PROTOCOLS.md §1."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from coursier.sandbox.accounts import Account, AccountState
from coursier.sandbox.server import SandboxServer
from tests.sandbox.helpers import (
    PLATFORM,
    account_login,
    login,
    login_xml,
    token_headers,
)


def test_the_official_test_declarant_gets_a_token_with_expires(client, base):
    answer = login(client, base)
    assert answer.status_code == 200
    assert len(answer.text) > 20
    assert answer.headers["Expires"].endswith("GMT")


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"siret": ""}, "siret vide"),
        ({"siret": "9990000030001"}, "14 chiffres"),
        ({"siret": "9990000030001A"}, "14 chiffres"),
        ({"nom": "N" * 65}, "nom trop long"),
        ({"prenom": "P" * 40}, "prenom trop long"),
        ({"motdepasse": "x" * 31}, "motdepasse trop long"),
        ({"motdepasse": ""}, "motdepasse vide"),
        ({"service": "970"}, "service trop long"),
        ({"service": ""}, "service vide"),
    ],
)
def test_field_limits_give_422(client, base, changes, says):
    answer = login(client, base, login_xml(**changes))
    assert answer.status_code == 422
    assert says in answer.text


def test_the_limits_themselves_are_accepted_and_checked_as_a_login(client, base):
    answer = login(client, base, login_xml(nom="N" * 64, prenom="P" * 39, motdepasse="x" * 30))
    assert answer.status_code == 401


def test_a_body_that_is_not_identifiants_gives_422_and_hostile_xml_400(client, base):
    assert login(client, base, b"<autre/>").status_code == 422
    hostile = (
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><identifiants>&x;</identifiants>'
    )
    answer = login(client, base, hostile)
    assert answer.status_code == 400
    assert "root:" not in answer.text


def test_authentication_wants_xml(client, base):
    answer = client.post(
        f"{base}/authentifier/1.0/", content=login_xml(), headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 415


def test_a_bad_password_gives_the_basic_realm(client, base):
    answer = login(client, base, login_xml(motdepasse="Refonte02"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="net-entreprises.fr"'
    assert "Refonte" not in answer.text


def test_the_test_declarant_is_refused_for_the_production_service(client, base):
    # As the official simulator answers (recording 04): the realm of a bad login.
    answer = login(client, base, login_xml(service="25"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="net-entreprises.fr"'


@pytest.mark.parametrize(
    ("state", "status", "challenge"),
    [
        (AccountState.PASSWORD_EXPIRED, 401, 'Basic realm="Expiration du mot de passe"'),
        (AccountState.NOT_REGISTERED, 401, 'DSNLogin realm="Utilisateur non-inscrit au service"'),
        (AccountState.LOCKED, 403, None),
    ],
)
def test_account_states(client, base, sandbox, state, status, challenge):
    account = next(a for a in sandbox.state(PLATFORM).accounts() if a.state is state)
    answer = login(client, base, account_login(account))
    assert answer.status_code == status
    assert answer.headers.get("WWW-Authenticate") == challenge


def test_later_calls_need_a_valid_token(client, base):
    for headers in ({}, {"Authorization": "DSNLogin jeton=forged"}, {"Authorization": "Bearer x"}):
        answer = client.get(
            f"{base}/lister-depots/1.0/20261001000000/20261001003000", headers=headers
        )
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'DSNLogin realm="Jeton manquant ou invalide"'


def test_an_expired_token_has_its_own_realm():
    with SandboxServer(token_lifetime_s=60) as sandbox, httpx.Client() as client:
        base = sandbox.url(PLATFORM)
        auth = token_headers(client, base)
        path = f"{base}/lister-retours-flux/1.0/unknown"
        assert client.get(path, headers=auth).status_code == 404
        sandbox.clock.advance(61)
        answer = client.get(path, headers=auth)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'DSNLogin realm="Expiration du jeton"'
        assert client.get(path, headers=token_headers(client, base)).status_code == 404


def test_accounts_added_at_runtime_log_in_and_never_show_their_password(client, base, sandbox):
    body = {
        "siret": "73282932000074",
        "nom": "Durand",
        "prenom": "Élise",
        "motdepasse": "S3cret-Paie!",
        "services": ["25"],
        "sirets": ["73282932001691"],
    }
    assert client.post(f"{base}/_sandbox/accounts", json=body).status_code == 201
    assert (
        login(
            client, base, login_xml("73282932000074", "DURAND", "élise", "S3cret-Paie!", "25")
        ).status_code
        == 200
    )
    listed = client.get(f"{base}/_sandbox/accounts")
    assert "S3cret-Paie!" not in listed.text
    assert "Refonte01" not in listed.text
    assert "motdepasse" not in listed.text
    assert {"siret": "73282932000074", "sirets": ["73282932001691"]}.items() <= next(
        a for a in listed.json() if a["siret"] == "73282932000074"
    ).items()
    other = sandbox.url("izilio")
    assert (
        login(
            client, other, login_xml("73282932000074", "Durand", "Élise", "S3cret-Paie!", "25")
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    "body",
    [
        {"siret": "123", "nom": "x", "prenom": "y", "motdepasse": "Leaky-Secret-1"},
        {"siret": "73282932000074", "prenom": "y", "motdepasse": "Leaky-Secret-1"},
        {
            "siret": "73282932000074",
            "nom": "x",
            "prenom": "y",
            "motdepasse": "Leaky-Secret-1",
            "state": "?",
        },
    ],
)
def test_an_invalid_account_is_refused_without_echoing_its_password(client, base, body):
    answer = client.post(f"{base}/_sandbox/accounts", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"]
    assert "Leaky-Secret-1" not in answer.text


def test_an_account_never_shows_its_password_in_a_repr():
    account = Account(siret="73282932000074", nom="a", prenom="b", motdepasse=SecretStr("hunter22"))
    assert "hunter22" not in repr(account)
    assert "hunter22" not in str(account.public())
