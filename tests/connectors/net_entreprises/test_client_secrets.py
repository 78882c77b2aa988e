"""The password and the token never show: not in an error's text or repr, not in a log line."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.errors import DepositOutcomeUnknown, DepositRejected
from coursier.models.declarant import Declarant
from tests.connectors.net_entreprises.fake_platform import (
    ARE,
    PASSWORD,
    FakeClock,
    FakePlatform,
    credentials,
    make_client,
)

TOKEN = "jeton-1-Zx9"
START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
FLUX = "F1.abc"
ECHO = f"<erreur>motdepasse {PASSWORD} jeton={TOKEN} refusé</erreur>"
#: What a login refusal could echo: the body it received, XML-escaped (no token exists yet).
LOGIN_ECHO = "<erreur>motdepasse Mot&lt;de&gt;&amp;passe'1 refusé</erreur>"


def chain(error: BaseException | None) -> list[BaseException]:
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def texts(error: BaseException) -> str:
    return " ".join(f"{e!s} {e!r} {e.args!r} {vars(e)!r}" for e in chain(error))


def login_echo(platform: FakePlatform) -> None:
    platform.script("authentifier", httpx.Response(422, text=LOGIN_ECHO))


def listing_echo(platform: FakePlatform) -> None:
    platform.script("lister-retours-flux", httpx.Response(400, text=ECHO))


def flux_401_twice(platform: FakePlatform) -> None:
    refusal = httpx.Response(
        401, headers={"WWW-Authenticate": 'DSNLogin realm="Jeton manquant ou invalide"'}
    )
    platform.script("lister-retours-flux", refusal, refusal)


def deposit_cut(platform: FakePlatform) -> None:
    platform.script("deposer-dsn", httpx.RemoteProtocolError("peer closed"))


def deposit_rejected(platform: FakePlatform) -> None:
    platform.script("deposer-dsn", httpx.Response(422, content=ARE))


def storm(platform: FakePlatform) -> None:
    platform.script("lister-depots", *[httpx.Response(429, text=ECHO)] * 12)


def bad_password(platform: FakePlatform) -> None:
    platform.script(
        "authentifier",
        httpx.Response(
            401, text=LOGIN_ECHO, headers={"WWW-Authenticate": 'Basic realm="net-entreprises.fr"'}
        ),
    )


def call(client: NetEntreprisesClient) -> None:
    client.authenticate()
    client.list_deposits(START, START + timedelta(minutes=5))
    client.list_flux_returns(FLUX)
    client.deposit(b"S10.G00.00.001,'x'\n")


@pytest.mark.parametrize(
    "scenario",
    [login_echo, listing_echo, flux_401_twice, deposit_cut, deposit_rejected, storm, bad_password],
)
def test_no_secret_in_errors_or_logs(
    scenario: Callable[[FakePlatform], None], caplog: pytest.LogCaptureFixture
) -> None:
    platform = FakePlatform()
    scenario(platform)
    caplog.set_level(logging.DEBUG)
    with make_client(platform, FakeClock()) as client, pytest.raises(ConnectorError) as caught:
        call(client)
    seen = texts(caught.value) + repr(client) + caplog.text
    for secret in (PASSWORD, TOKEN, "jeton-2-Zx9", "Mot&lt;de&gt;&amp;passe'1"):
        assert secret not in seen


def test_echoed_secrets_are_masked_in_the_excerpt() -> None:
    platform = FakePlatform()
    login_echo(platform)
    with make_client(platform) as client, pytest.raises(ConnectorError) as caught:
        client.authenticate()
    assert "motdepasse *** refusé" in str(caught.value)

    platform = FakePlatform()
    listing_echo(platform)
    with make_client(platform) as client, pytest.raises(ConnectorError) as caught:
        client.list_flux_returns(FLUX)
    assert "motdepasse *** jeton=*** refusé" in str(caught.value)


def test_reprs_hide_the_secrets() -> None:
    platform = FakePlatform()
    creds = credentials()
    with make_client(platform, credentials=creds) as client:
        client.authenticate()
        shown = repr(client) + repr(vars(client)) + repr(creds)
    assert PASSWORD not in shown
    assert TOKEN not in shown


def test_errors_survive_pickling_with_their_details() -> None:
    platform = FakePlatform()
    deposit_rejected(platform)
    with make_client(platform) as client, pytest.raises(DepositRejected) as caught:
        client.deposit(b"x")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (str(copy), copy.status, copy.rapport) == (
        str(caught.value),
        422,
        caught.value.rapport,
    )
    unknown = pickle.loads(pickle.dumps(DepositOutcomeUnknown(retry_after=3.0)))
    assert (str(unknown), unknown.retry_after) == (DepositOutcomeUnknown.advice, 3.0)


def declarant_refused(platform: FakePlatform) -> None:
    platform.script(
        "lister-depots",
        httpx.Response(
            401,
            text=ECHO,
            headers={"WWW-Authenticate": 'DSNLogin realm="Utilisateur non-inscrit au service"'},
        ),
    )


CONCENTRATEUR = credentials(
    siret="18751249600022", last_name="CTR2000", first_name="concentrateur", service="98"
)


@pytest.mark.parametrize(
    "scenario",
    [listing_echo, flux_401_twice, deposit_cut, deposit_rejected, storm, declarant_refused],
)
def test_no_secret_in_errors_or_logs_of_a_concentrateur(
    scenario: Callable[[FakePlatform], None], caplog: pytest.LogCaptureFixture
) -> None:
    platform = FakePlatform()
    scenario(platform)
    caplog.set_level(logging.DEBUG)
    declarant = Declarant("98765432109876", "declarant", "declarant")
    with (
        make_client(
            platform, FakeClock(), credentials=CONCENTRATEUR, declarant=declarant
        ) as client,
        pytest.raises(ConnectorError) as caught,
    ):
        call(client)
    sent = [r.headers.get("Authorization", "") for r in platform.requests]
    assert any(h.startswith("DSNLogin concentrateur=jeton-") for h in sent)  # the header used
    seen = texts(caught.value) + repr(client) + repr(vars(client)) + caplog.text
    for secret in (PASSWORD, TOKEN, "jeton-2-Zx9", "concentrateur=jeton"):
        assert secret not in seen
