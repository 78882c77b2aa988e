"""Contract tests: the client against the sandbox served on loopback (PROTOCOLS.md §1)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from coursier.connectors.errors import PayloadError
from coursier.connectors.http import RetryPolicy, utcnow
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.errors import (
    AccountLocked,
    DepositOutcomeUnknown,
    DepositRejected,
    ForbiddenFlux,
    LoginRefused,
    NotRegistered,
    PasswordExpired,
    UnknownFlux,
)
from coursier.models.dsn.samples import Employer, monthly_dsn
from coursier.models.dsn.writer import write_bytes
from coursier.models.returns.rapport import parse_rapport
from coursier.sandbox.server import SandboxServer

TEST_DECLARANT = {"siret": "99900000300015", "last_name": "declarant", "first_name": "declarant"}
PASSWORD = "Refonte01"
EMPLOYER = Employer.from_seed(4242)
DSN = write_bytes(monthly_dsn(EMPLOYER, date(2026, 2, 1), employees=3, seed=1, test=True))


class CountingTransport(httpx.HTTPTransport):
    """The real loopback transport, noting the path of every request sent."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)

    def count(self, route: str) -> int:
        return sum(f"/{route}/" in path for path in self.paths)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


SERVER = SandboxServer(seed=7)
SERVER_CLOCK = SERVER.clock.now


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SERVER as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    server.reset()
    return server


def creds(sandbox: SandboxServer, platform: str = "net-entreprises", **fields: object):
    base = sandbox.url(platform)
    values: dict[str, object] = {
        **TEST_DECLARANT,
        "password": PASSWORD,
        "environment": "test",
        "platform": platform,
        **{f"{kind}_url": base for kind in ("auth", "deposit", "consultation", "download")},
    }
    values.update(fields)
    return NetEntreprisesCredentials(**values)


def client_for(
    credentials: NetEntreprisesCredentials,
    transport: httpx.BaseTransport | None = None,
    sleep: Sleeps | None = None,
    **options: object,
) -> NetEntreprisesClient:
    """A client on the sandbox's clock (tests move it forward), sleeping for nothing."""
    options.setdefault("clock", SERVER_CLOCK)
    return NetEntreprisesClient(
        credentials,
        timeout=10.0,
        transport=transport or CountingTransport(),
        retry=RetryPolicy(attempts=5, max_wait=5.0, backoff=0.1),
        sleep=sleep or Sleeps(),
        **options,
    )


def inspect(sandbox: SandboxServer, what: str, platform: str = "net-entreprises") -> list[dict]:
    return httpx.get(f"{sandbox.url(platform)}/_sandbox/{what}").json()


def fault(sandbox: SandboxServer, **rule: object) -> None:
    answer = httpx.post(f"{sandbox.url('net-entreprises')}/_sandbox/faults", json=rule)
    answer.raise_for_status()


def add_account(sandbox: SandboxServer, siret: str, password: str, **fields: object) -> None:
    account = {"siret": siret, "nom": "AUTRE", "prenom": "Compte", "motdepasse": password}
    answer = httpx.post(
        f"{sandbox.url('net-entreprises')}/_sandbox/accounts", json={**account, **fields}
    )
    answer.raise_for_status()


def test_a_valid_deposit_gets_its_aee_then_shows_in_every_listing(sandbox: SandboxServer) -> None:
    start = sandbox.clock.now() - timedelta(minutes=5)
    with client_for(creds(sandbox)) as client:
        aee = client.deposit(DSN)
        assert (aee.type, aee.is_ok) == ("AEE", True)
        assert aee.idflux
        deposits = client.list_deposits(start)
        returns = client.list_flux_returns(aee.idflux).entries
        declarant = client.list_declarant_returns(start).entries
        (listed_aee,) = [r for r in returns if r.nature == "10"]
        downloaded = parse_rapport(client.download(listed_aee))
    assert [d.idflux for d in deposits] == [aee.idflux]
    assert listed_aee in declarant
    assert (downloaded.type, downloaded.idflux) == ("AEE", aee.idflux)
    (recorded,) = inspect(sandbox, "deposits")
    assert recorded["idflux"] == aee.idflux


def test_the_test_declarant_logs_in_with_97_and_is_refused_25(sandbox: SandboxServer) -> None:
    with client_for(creds(sandbox)) as client:
        client.authenticate()
    # As the official simulator refuses it (recording 04): a login refusal naming the service.
    with client_for(creds(sandbox, service="25")) as client, pytest.raises(LoginRefused) as caught:
        client.authenticate()
    assert "code service" in str(caught.value)


def test_a_bad_password_is_a_login_refusal(sandbox: SandboxServer) -> None:
    with (
        client_for(creds(sandbox, password="Mauvais01")) as client,
        pytest.raises(LoginRefused) as caught,
    ):
        client.authenticate()
    assert type(caught.value) is LoginRefused
    assert caught.value.status == 401
    assert "Mauvais01" not in str(caught.value)


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ("locked", AccountLocked),
        ("password_expired", PasswordExpired),
        ("not_registered", NotRegistered),
    ],
)
def test_account_states(sandbox: SandboxServer, state: str, error: type) -> None:
    siret = Employer.from_seed(77).siret
    add_account(sandbox, siret, "Secret-77", state=state)
    other = creds(
        sandbox, siret=siret, last_name="AUTRE", first_name="Compte", password="Secret-77"
    )
    with client_for(other) as client, pytest.raises(error) as caught:
        client.authenticate()
    assert type(caught.value) is error


def test_an_expired_token_gets_one_new_login(sandbox: SandboxServer) -> None:
    transport = CountingTransport()
    frozen = sandbox.clock.now()  # the client does not see time pass: the platform tells it
    with client_for(creds(sandbox), transport, clock=lambda: frozen) as client:
        aee = client.deposit(DSN)
        sandbox.clock.advance(2 * 3600)  # past the token's lifetime on the platform's clock
        assert "10" in {r.nature for r in client.list_flux_returns(aee.idflux).entries}
        client.list_flux_returns(aee.idflux)
    assert transport.count("authentifier") == 2
    assert transport.count("lister-retours-flux") == 3  # one refused, replayed, one more


def test_a_token_past_its_expires_is_renewed_without_a_refusal(sandbox: SandboxServer) -> None:
    transport = CountingTransport()
    with client_for(creds(sandbox), transport) as client:
        aee = client.deposit(DSN)
        sandbox.clock.advance(2 * 3600)  # the client reads the same clock
        client.list_flux_returns(aee.idflux)
    assert transport.count("authentifier") == 2
    assert transport.count("lister-retours-flux") == 1


def test_a_window_wider_than_an_hour_is_cut(sandbox: SandboxServer) -> None:
    transport = CountingTransport()
    with client_for(creds(sandbox), transport) as client:
        aee = client.deposit(DSN)
        now = sandbox.clock.now()
        entries = client.list_deposits(
            now - timedelta(hours=3, minutes=30), now + timedelta(minutes=1)
        )
        assert client.window_minutes == 60
    assert [e.idflux for e in entries] == [aee.idflux]
    assert transport.count("lister-depots") == 4


def test_a_cut_during_the_deposit_answer_leaves_exactly_one_deposit(sandbox: SandboxServer) -> None:
    fault(sandbox, route="deposer-dsn", kind="cut_response", cut_after=10, count=1)
    start = sandbox.clock.now() - timedelta(minutes=1)
    transport, sleeps = CountingTransport(), Sleeps()
    with client_for(creds(sandbox), transport, sleeps) as client:
        with pytest.raises(DepositOutcomeUnknown) as caught:
            client.deposit(DSN)
        listed = client.list_deposits(start)
    assert "ne le renvoyez pas" in str(caught.value)
    assert transport.count("deposer-dsn") == 1
    assert sleeps.waits == []
    (recorded,) = inspect(sandbox, "deposits")
    assert [d.idflux for d in listed] == [recorded["idflux"]]  # what reconciling will find


def test_a_cut_during_the_deposit_body_records_nothing(sandbox: SandboxServer) -> None:
    fault(sandbox, route="deposer-dsn", kind="cut_request", cut_after=5, count=1)
    transport = CountingTransport()
    with client_for(creds(sandbox), transport) as client, pytest.raises(DepositOutcomeUnknown):
        client.deposit(DSN)
    assert transport.count("deposer-dsn") == 1
    assert inspect(sandbox, "deposits") == []


@pytest.mark.parametrize("rule", [{"kind": "malformed"}, {"kind": "status", "status": 503}])
def test_an_unreadable_or_failed_deposit_answer_is_never_resent(
    sandbox: SandboxServer, rule: dict
) -> None:
    fault(sandbox, route="deposer-dsn", count=1, **rule)
    transport = CountingTransport()
    with client_for(creds(sandbox), transport) as client, pytest.raises(DepositOutcomeUnknown):
        client.deposit(DSN)
    assert transport.count("deposer-dsn") == 1
    assert len(inspect(sandbox, "deposits")) == (1 if rule["kind"] == "malformed" else 0)


def test_a_429_storm_is_waited_out(sandbox: SandboxServer) -> None:
    fault(sandbox, route="lister-depots", kind="status", status=429, retry_after=2, count=3)
    sleeps = Sleeps()
    with client_for(creds(sandbox), sleep=sleeps) as client:
        assert client.list_deposits(sandbox.clock.now() - timedelta(minutes=30)) == []
    assert len(sleeps.waits) == 3
    assert all(0 < wait <= 2 for wait in sleeps.waits)


def test_reads_survive_cuts_and_5xx(sandbox: SandboxServer) -> None:
    with client_for(creds(sandbox)) as client:
        aee = client.deposit(DSN)
        fault(sandbox, route="lister-retours-flux", kind="cut_response", cut_after=10, count=1)
        assert client.list_flux_returns(aee.idflux).entries
        fault(sandbox, route="lister-retours-flux", kind="status", status=502, count=2)
        assert client.list_flux_returns(aee.idflux).entries


def test_malformed_listing_is_a_payload_error(sandbox: SandboxServer) -> None:
    with client_for(creds(sandbox)) as client:
        aee = client.deposit(DSN)
        fault(sandbox, route="lister-retours-flux", kind="malformed", count=1)
        with pytest.raises(PayloadError):
            client.list_flux_returns(aee.idflux)
        assert client.list_flux_returns(aee.idflux).entries  # the session goes on


def test_unknown_and_foreign_flux(sandbox: SandboxServer) -> None:
    other = Employer.from_seed(88).siret
    add_account(sandbox, other, "Secret-88", sirets=[])
    with client_for(creds(sandbox)) as client:
        aee = client.deposit(DSN)
        with pytest.raises(UnknownFlux):
            client.list_flux_returns("INCONNU.123")
    stranger = creds(
        sandbox, siret=other, last_name="AUTRE", first_name="Compte", password="Secret-88"
    )
    with client_for(stranger) as client, pytest.raises(ForbiddenFlux):
        client.list_flux_returns(aee.idflux)


def test_a_file_for_a_siret_the_account_may_not_declare_is_rejected(sandbox: SandboxServer) -> None:
    other = Employer.from_seed(99).siret
    add_account(sandbox, other, "Secret-99", sirets=[])
    stranger = creds(
        sandbox, siret=other, last_name="AUTRE", first_name="Compte", password="Secret-99"
    )
    with client_for(stranger) as client, pytest.raises(DepositRejected) as caught:
        client.deposit(DSN)
    assert caught.value.rapport.type == "ARE"
    assert caught.value.status == 422


def test_not_a_dsn_is_rejected_with_b1_105_15(sandbox: SandboxServer) -> None:
    with client_for(creds(sandbox)) as client, pytest.raises(DepositRejected) as caught:
        client.deposit(b"ceci n'est pas une DSN\n")
    assert [a.code for a in caught.value.rapport.anomalies] == ["B1-105-15"]


def test_izilio_and_version_2(sandbox: SandboxServer) -> None:
    start = sandbox.clock.now() - timedelta(minutes=5)
    with client_for(creds(sandbox, "izilio", api_version="2.0")) as client:
        aee = client.deposit(DSN)  # 2.0 answers the XML AEE under application/json
        assert [d.idflux for d in client.list_deposits(start)] == [aee.idflux]
        assert client.list_flux_returns(aee.idflux).entries[0].nature == "10"
    assert inspect(sandbox, "deposits", "izilio")[0]["api_version"] == "2.0"
    assert len(inspect(sandbox, "deposits", "izilio")) == 1
    assert inspect(sandbox, "deposits") == []


def test_no_secret_in_the_logs_of_a_session(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fault(sandbox, route="lister-depots", kind="status", status=500, count=1)
    with client_for(creds(sandbox)) as client:
        client.deposit(DSN)
        client.list_deposits(sandbox.clock.now() - timedelta(minutes=5))
        token = client._tokens.secret()
    with client_for(creds(sandbox, password="Mauvais01")) as client, pytest.raises(LoginRefused):
        client.authenticate()
    assert token
    assert caplog.records  # httpx, httpcore and the retry did log
    for secret in (PASSWORD, "Mauvais01", token):
        assert secret not in caplog.text


def test_a_success_back_off_is_read_on_the_platforms_clock() -> None:
    # Expires − Date, whatever our clock says: here the platform's runs two hours ahead.
    with SandboxServer(answer_backoff_s=3) as sandbox:
        sandbox.clock.advance(2 * 3600)
        sleeps = Sleeps()
        with client_for(creds(sandbox), sleep=sleeps, clock=utcnow) as client:
            aee = client.deposit(DSN)
            client.deposit(DSN)  # a deposit never waits
            client.list_flux_returns(aee.idflux)
            client.list_flux_returns(aee.idflux)  # the same question: waits for the rest
    assert len(sleeps.waits) == 1
    assert 2 < sleeps.waits[0] <= 3
