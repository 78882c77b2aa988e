"""Every answer recorded from the official simulator, fed to the client as the platform's.

Each recording's answer (status, headers, body — gzip-compressed again when it was) is served
by a mock transport to the client call that asks that question: the login, a deposit, a
listing, a download. Each one parses, or raises the error ``errors.py`` documents for it — the
very class, not just any error of the tree. The simulator's return without ``<id>`` lands in
``set_aside``, never in an error.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from coursier.connectors.errors import ConnectorError, RateLimited, ResponseError, TransportError
from coursier.connectors.http import RetryPolicy
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.errors import (
    DepositOutcomeUnknown,
    DepositRejected,
    InvalidRequest,
    LoginRefused,
    NotRegistered,
    TokenRejected,
    UnknownFlux,
    UnsupportedMedia,
)
from coursier.models.declarant import Declarant
from coursier.models.returns.listings import DepositEntry, ReturnListing
from coursier.models.returns.rapport import Rapport, parse_return_document
from tests.contract.recorded import SAMPLE, Recording, by_number, recordings

NOW = datetime(2026, 12, 1, 18, 21, 42, tzinfo=UTC)
BASE = "https://dsn.test"
TOKEN = by_number(1).body.decode()
CANNED_IDFLUX = "UR5WJEBAhi54RcZN8Lur71F"
SIMULATOR_DECLARANT = Declarant("98765432109876", "declarant", "declarant")


def served(recording: Recording) -> httpx.Response:
    """The recorded answer as the platform sent it."""
    headers = {k: v for k, v in recording.headers.items() if k != "Content-Length"}
    headers["Expires"] = "Tue, 01 Dec 2026 18:23:42 GMT" if "Expires" in headers else ""
    headers = {k: v for k, v in headers.items() if v}
    body = recording.body
    if recording.response["gzip"]:
        body = gzip.compress(body)
    return httpx.Response(recording.status, headers=headers, content=body)


def client_for(recording: Recording) -> tuple[NetEntreprisesClient, list[httpx.Request]]:
    """A client whose platform answers ``recording`` to its question, a token to a login."""
    asked: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        login = request.url.path.startswith("/authentifier/")
        if login and recording.route != "authentifier":
            return httpx.Response(200, text=TOKEN)
        return served(recording)

    concentrateur = recording.is_concentrateur or recording.route == "lister-retours-concentrateur"
    credentials = NetEntreprisesCredentials(
        siret="18751249600022" if concentrateur else "99900000300015",
        last_name="CTR2000" if concentrateur else "declarant",
        first_name="concentrateur" if concentrateur else "declarant",
        password="azerty" if concentrateur else "Refonte01",
        environment="test",
        service="98" if concentrateur else "97",
        api_version="2.0" if recording.version == "2.0" else "1.0",
        **{f"{kind}_url": BASE for kind in ("auth", "deposit", "consultation", "download")},
    )
    client = NetEntreprisesClient(
        credentials,
        declarant=SIMULATOR_DECLARANT if concentrateur else None,
        transport=httpx.MockTransport(handle),
        retry=RetryPolicy(attempts=2, max_wait=1.0, backoff=0.1),
        clock=lambda: NOW,
        sleep=lambda _: None,
    )
    return client, asked


def question(recording: Recording) -> Callable[[NetEntreprisesClient], object]:
    """The client call that asks what the recorded request asked."""
    window = (NOW - timedelta(minutes=1), NOW)  # one window: the same answer once
    return {
        "authentifier": lambda c: c.authenticate(),
        "deposer-dsn": lambda c: c.deposit(SAMPLE),
        "lister-depots": lambda c: c.list_deposits(*window),
        "lister-retours-flux": lambda c: c.list_flux_returns("abcdefghij"),
        "lister-retours-declarant": lambda c: c.list_declarant_returns(*window),
        "lister-retours-concentrateur": lambda c: c.list_concentrateur_returns(*window),
        "telecharger-retour": lambda c: c.download(f"{BASE}/telecharger-retour/1.0/abcdefghij/1"),
    }[recording.route]


def documented_error(recording: Recording) -> type[ConnectorError] | None:
    """The error ``errors.py`` maps the recorded answer to (None: it parses)."""
    status, route = recording.status, recording.route
    realm = recording.headers.get("WWW-Authenticate", "")
    if route == "deposer-dsn":
        if status == 200:
            return None
        if status == 500:
            return DepositOutcomeUnknown  # never re-sent blindly
        if status == 422:
            return DepositRejected if recording.body else InvalidRequest
    if status == 200:
        return None
    if status == 401:
        if route == "authentifier":
            return LoginRefused
        return NotRegistered if "inscrit" in realm else TokenRejected  # after one new login
    return {
        404: UnknownFlux if route == "lister-retours-flux" else ResponseError,
        406: UnsupportedMedia,
        415: UnsupportedMedia,
        422: InvalidRequest,
        429: RateLimited,
        500: TransportError,
    }.get(status, ResponseError)  # 400 (a framework page), 405


@pytest.mark.parametrize("recording", recordings(), ids=str)
def test_every_recorded_answer_parses_or_is_its_documented_error(
    recording: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    client, asked = client_for(recording)
    expected = documented_error(recording)
    with client:
        if expected is None:
            outcome = question(recording)(client)
        else:
            with pytest.raises(ConnectorError) as caught:
                question(recording)(client)
            assert type(caught.value) is expected, caught.value
            assert TOKEN not in str(caught.value)
            return
    if recording.route == "authentifier":
        assert client._tokens.secret() == recording.body.decode()
    elif recording.route == "deposer-dsn":
        assert isinstance(outcome, Rapport)
        assert (outcome.type, outcome.idflux, outcome.is_ok) == ("AEE", CANNED_IDFLUX, True)
    elif recording.route == "lister-depots":
        assert outcome == [
            DepositEntry("0123456789", datetime(2013, 8, 1, 10, 32, 42, tzinfo=UTC), "OK"),
            DepositEntry("0123456780", datetime(2013, 8, 1, 10, 32, 43, tzinfo=UTC), "KO"),
        ]
    elif recording.route == "telecharger-retour":
        if recording.body.startswith(b"<"):
            assert parse_return_document(outcome).type == "AEE"
        else:
            assert outcome == b"Ceci est un retour TXT"
    else:
        assert isinstance(outcome, ReturnListing)
        if recording.body.strip() in (b"<retours></retours>", b'{"flux":[]}'):
            assert outcome == ReturnListing([], [])
            return
        # abcdefghij's four returns share the id 0123456789: one per nature, the one
        # without <id> set aside, and klmnopqrs's return of nature 51.
        kept = [(e.idflux, e.nature, e.return_id) for e in outcome.entries]
        assert kept == [
            ("abcdefghij", "10", "0123456789"),
            ("abcdefghij", "11", "0123456789"),
            ("abcdefghij", "21", "0123456789"),
            ("klmnopqrs", "51", "10111213141"),
        ]
        [aside] = outcome.set_aside
        assert (aside.idflux, aside.nature, aside.status) == ("abcdefghij", "20", "OK")
        assert "identifiant <id>" in aside.reason
        assert outcome.entries[3].ops == "AUMGM1"
        warned = [r for r in caplog.records if r.name == "coursier.connectors.net_entreprises"]
        assert any("mis de côté" in r.getMessage() for r in warned)
        assert all(r.levelno == logging.WARNING for r in warned if "mis de côté" in r.getMessage())
    assert asked  # the answer did come from the recording
