"""Concentrateur accounts (service 98): the declarant named on each call, 10-minute windows,
their own returns listing, and a connection test that cannot pass when deposits would fail."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from coursier.connectors.net_entreprises.errors import InvalidRequest, NotRegistered
from coursier.models.declarant import Declarant
from tests.connectors.net_entreprises.fake_platform import (
    DOWNLOAD_BASE,
    FakeClock,
    FakePlatform,
    credentials,
    make_client,
)

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Paris
FLUX = "WSaah7AQlUpYL5RsQssseG."
DECLARANT = Declarant("98765432109876", "declarant", "declarant")
IDENTITY = base64.b64encode(b"98765432109876;declarant;declarant").decode()
CONCENTRATEUR = {
    "siret": "18751249600022",
    "last_name": "CTR2000",
    "first_name": "concentrateur",
    "service": "98",
}


def concentrateur(platform: FakePlatform, declarant: Declarant | None = DECLARANT, **options):
    return make_client(
        platform, credentials=credentials(**CONCENTRATEUR), declarant=declarant, **options
    )


def windows(platform: FakePlatform, route: str) -> list[str]:
    return [r.url.path.split("/", 3)[3] for r in platform.calls(route)]


def test_every_call_names_the_declarant_beside_the_token() -> None:
    platform = FakePlatform()
    with concentrateur(platform) as client:
        assert client.is_concentrateur
        client.deposit(b"S10.G00.00.001,'x'\n")
        client.list_deposits(START, START + timedelta(minutes=5))
        client.list_declarant_returns(START, START + timedelta(minutes=5))
        client.list_concentrateur_returns(START, START + timedelta(minutes=5))
        client.list_flux_returns(FLUX)
        client.download(f"{DOWNLOAD_BASE}/R1")
    calls = [r for r in platform.requests if r.url.path.split("/")[1] != "authentifier"]
    assert len(calls) == 6
    assert {r.headers["Authorization"] for r in calls} == {
        f"DSNLogin concentrateur=jeton-1-Zx9,declarant={IDENTITY}"
    }
    assert repr(client).endswith("service='98', declarant='98765432109876')")


def test_without_a_declarant_only_the_concentrateurs_own_calls_are_sent() -> None:
    platform = FakePlatform()
    with concentrateur(platform, declarant=None) as client:
        for call in (
            lambda: client.deposit(b"S10.G00.00.001,'x'\n"),
            lambda: client.list_deposits(START, START + timedelta(minutes=5)),
            lambda: client.list_declarant_returns(START, START + timedelta(minutes=5)),
            client.test_connection,
        ):
            with pytest.raises(InvalidRequest) as caught:
                call()
            assert "sans déclarant" in str(caught.value)
            assert "portefeuille" in str(caught.value)
            assert caught.value.status is None
        assert platform.requests == []  # not even a login
        client.list_flux_returns(FLUX)
        client.download(f"{DOWNLOAD_BASE}/R1")
        client.list_concentrateur_returns(START, START + timedelta(minutes=5))
    calls = [r for r in platform.requests if r.url.path.split("/")[1] != "authentifier"]
    assert len(calls) == 3
    # Recordings 68, 89, 98: these take the concentrateur part alone.
    assert {r.headers["Authorization"] for r in calls} == {"DSNLogin concentrateur=jeton-1-Zx9"}


def test_a_declarant_account_ignores_a_declarant_and_has_no_concentrateur_listing() -> None:
    platform = FakePlatform()
    with make_client(platform, declarant=DECLARANT) as client:
        assert not client.is_concentrateur
        client.list_flux_returns(FLUX)
        with pytest.raises(InvalidRequest, match="réservée aux comptes concentrateur"):
            client.list_concentrateur_returns(START)
    (call,) = platform.calls("lister-retours-flux")
    assert call.headers["Authorization"] == "DSNLogin jeton=jeton-1-Zx9"
    assert platform.calls("lister-retours-concentrateur") == []


def test_a_concentrateurs_deposit_windows_are_ten_minutes_its_returns_windows_sixty() -> None:
    # Recordings 53/54: lister-depots is 10 minutes wide for a concentrateur; 88: the
    # declarant's returns stay 60; 89: the concentrateur's own returns, 10.
    platform = FakePlatform()
    platform.listing_headers = {}
    with concentrateur(platform) as client:
        client.list_deposits(START, START + timedelta(minutes=25))
        client.list_declarant_returns(START, START + timedelta(minutes=25))
        client.list_concentrateur_returns(START, START + timedelta(minutes=15))
        assert client.window_minutes == 10
    assert windows(platform, "lister-depots") == [
        "20260310090000/20260310091000",
        "20260310091000/20260310092000",
        "20260310092000/20260310092500",
    ]
    assert windows(platform, "lister-retours-declarant") == ["20260310090000/20260310092500"]
    assert windows(platform, "lister-retours-concentrateur") == [
        "20260310090000/20260310091000",
        "20260310091000/20260310091500",
    ]


def test_widths_are_learnt_per_route() -> None:
    platform = FakePlatform()
    platform.script(
        "lister-retours-declarant",
        httpx.Response(200, content=b"<retours/>", headers={"Accept-Ranges": "minutes=0-60"}),
    )
    platform.script(
        "lister-depots",
        httpx.Response(200, content=b"<depots/>", headers={"Accept-Ranges": "minutes=0-10"}),
    )
    with make_client(platform) as client:
        client.list_deposits(START, START + timedelta(minutes=5))
        client.list_declarant_returns(START, START + timedelta(minutes=5))
        client.list_deposits(START, START + timedelta(minutes=20))
        client.list_declarant_returns(START, START + timedelta(minutes=20))
    assert len(platform.calls("lister-depots")) == 1 + 2
    assert len(platform.calls("lister-retours-declarant")) == 1 + 1


def test_the_connection_test_of_a_concentrateur_asks_for_its_declarant() -> None:
    platform, clock = FakePlatform(), FakeClock(START)
    with concentrateur(platform, clock=clock) as client:
        client.test_connection()
    assert [r.url.path.split("/")[1] for r in platform.requests] == [
        "authentifier",
        "lister-depots",
    ]
    assert windows(platform, "lister-depots") == ["20260310085900/20260310090000"]

    platform = FakePlatform()
    with make_client(platform) as client:  # a declarant account: the login says it all
        client.test_connection()
    assert [r.url.path.split("/")[1] for r in platform.requests] == ["authentifier"]


def test_a_declarant_the_concentrateur_may_not_serve_says_to_check_the_portfolio() -> None:
    # Recording 36: the concentrateur logged in, the declarant it names is refused.
    platform = FakePlatform()
    platform.script(
        "lister-depots",
        httpx.Response(
            401, headers={"WWW-Authenticate": 'DSNLogin realm="Utilisateur non-inscrit au service"'}
        ),
    )
    with concentrateur(platform) as client, pytest.raises(NotRegistered) as caught:
        client.test_connection()
    message = str(caught.value)
    assert "identité du déclarant" in message
    assert "portefeuille" in message
    assert platform.logins == 1  # not a token problem: no second login
