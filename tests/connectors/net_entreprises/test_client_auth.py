"""Login, token reuse and renewal: PROTOCOLS.md §1 "Authentication"."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from lxml import etree

from coursier.connectors.errors import PayloadError, TransportError
from coursier.connectors.net_entreprises.errors import (
    AccountLocked,
    InvalidRequest,
    LoginRefused,
    MaintenancePage,
    NotRegistered,
    PasswordExpired,
    TokenRejected,
)
from tests.connectors.net_entreprises.fake_platform import (
    PASSWORD,
    SIRET,
    FakeClock,
    FakePlatform,
    credentials,
    make_client,
)

FLUX = "WSaah7AQlUpYL5RsQssseG."


def test_login_posts_the_identifiers_as_xml() -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        client.authenticate()
    (login,) = platform.calls("authentifier")
    assert login.method == "POST"
    assert str(login.url) == "https://test-services.net-entreprises.fr/authentifier/1.0/"
    assert login.headers["Content-Type"] == "application/xml"
    assert "Content-Encoding" not in login.headers
    root = etree.fromstring(login.content)
    assert root.tag == "identifiants"
    assert [(e.tag, e.text) for e in root] == [
        ("siret", SIRET),
        ("nom", "declarant"),
        ("prenom", "declarant"),
        ("motdepasse", PASSWORD),  # "<", ">", "&" and "'" escaped, read back intact
        ("service", "97"),
    ]
    assert b"&lt;de&gt;&amp;" in login.content


def test_production_credentials_log_in_to_service_25() -> None:
    platform = FakePlatform()
    with make_client(platform, credentials=credentials(environment="production")) as client:
        client.authenticate()
    (login,) = platform.calls("authentifier")
    assert login.url.host == "services.net-entreprises.fr"
    assert etree.fromstring(login.content).findtext("service") == "25"


def test_one_login_serves_many_calls_and_the_token_is_sent_stripped() -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        for _ in range(5):
            assert client.list_flux_returns(FLUX).entries == []
    assert platform.logins == 1
    tokens = {r.headers["Authorization"] for r in platform.calls("lister-retours-flux")}
    assert tokens == {"DSNLogin jeton=jeton-1-Zx9"}


def test_no_request_before_the_first_call() -> None:
    platform = FakePlatform()
    make_client(platform).close()
    assert platform.requests == []


def test_the_logins_expires_is_a_back_off_not_the_tokens_lifetime() -> None:
    # Recording 01: every login answer says Expires now+120 s, the token lives 7200 s.
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "authentifier",
        httpx.Response(200, text="jeton-A", headers={"Expires": clock.http_date(120)}),
        httpx.Response(200, text="jeton-B"),
    )
    platform.token = "jeton-A"
    with make_client(platform, clock) as client:
        client.list_flux_returns(FLUX)
        clock.advance(121)
        client.list_flux_returns(FLUX)  # still jeton-A: nothing said it expired
        clock.advance(3600)  # past the configured lifetime (one hour by default)
        platform.token = "jeton-B"
        client.list_flux_returns(FLUX)
    assert len(platform.calls("authentifier")) == 2
    sent = [r.headers["Authorization"] for r in platform.calls("lister-retours-flux")]
    assert sent == ["DSNLogin jeton=jeton-A"] * 2 + ["DSNLogin jeton=jeton-B"]
    assert len(platform.calls("lister-retours-flux")) == 3  # no 401 on the way
    assert clock.waits == []


def test_the_token_lifetime_is_configurable() -> None:
    platform, clock = FakePlatform(), FakeClock()
    with make_client(platform, clock, token_lifetime=timedelta(minutes=5)) as client:
        client.list_flux_returns(FLUX)
        clock.advance(299)
        client.list_flux_returns(FLUX)
        clock.advance(2)
        client.list_flux_returns(FLUX)
    assert platform.logins == 2
    with pytest.raises(ValueError, match="durée de vie"):
        make_client(platform, clock, token_lifetime=timedelta(0))


def test_a_second_login_waits_for_the_back_off_the_first_asked() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "authentifier",
        httpx.Response(
            200,
            text="jeton-A",
            headers={"Expires": clock.http_date(50), "Date": clock.http_date(0)},
        ),
    )
    with make_client(platform, clock) as client:
        client.authenticate()
        clock.advance(20)
        client.authenticate()
    assert clock.waits == [30.0]
    assert platform.logins == 1  # the first answer was scripted


@pytest.mark.parametrize(
    "realm", ['DSNLogin realm="Expiration du jeton"', 'DSNLogin realm="Jeton manquant ou invalide"']
)
def test_an_expired_token_gets_exactly_one_new_login_and_the_call_is_replayed(realm: str) -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        client.list_flux_returns(FLUX)
        platform.script(
            "lister-retours-flux", httpx.Response(401, headers={"WWW-Authenticate": realm})
        )
        assert client.list_flux_returns(FLUX).entries == []
    assert platform.logins == 2
    sent = [r.headers["Authorization"] for r in platform.calls("lister-retours-flux")]
    assert sent == ["DSNLogin jeton=jeton-1-Zx9"] * 2 + ["DSNLogin jeton=jeton-2-Zx9"]


def test_a_second_token_refusal_is_an_error_after_one_new_login_only() -> None:
    platform = FakePlatform()
    refusal = httpx.Response(
        401, headers={"WWW-Authenticate": 'DSNLogin realm="Expiration du jeton"'}
    )
    platform.script("lister-retours-flux", refusal, refusal, refusal)
    with make_client(platform) as client, pytest.raises(TokenRejected) as caught:
        client.list_flux_returns(FLUX)
    assert platform.logins == 2
    assert len(platform.calls("lister-retours-flux")) == 2
    assert caught.value.status == 401
    assert "coursier credentials test" in str(caught.value)


def refused(realm: str) -> httpx.Response:
    return httpx.Response(401, headers={"WWW-Authenticate": realm})


HTML = {"Content-Type": "text/html"}
MAINTENANCE = {"Location": "https://www.net-entreprises.fr/maintenance"}


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (refused('Basic realm="net-entreprises.fr"'), LoginRefused),
        (refused('Basic realm="Expiration du mot de passe"'), PasswordExpired),
        (refused('DSNLogin realm="Utilisateur non-inscrit au service"'), NotRegistered),
        (httpx.Response(401), LoginRefused),
        (httpx.Response(403, text="compte bloqué"), AccountLocked),
        (httpx.Response(422, text="nom trop long"), InvalidRequest),
        (
            httpx.Response(200, text="<html><body>Maintenance</body></html>", headers=HTML),
            MaintenancePage,
        ),
        (httpx.Response(302, headers=MAINTENANCE), MaintenancePage),
        (httpx.Response(200, text="   "), PayloadError),
        (httpx.Response(200, text="jeton avec espaces"), PayloadError),
    ],
)
def test_login_refusals(answer: httpx.Response, error: type[Exception]) -> None:
    platform = FakePlatform()
    platform.script("authentifier", answer)
    with make_client(platform) as client, pytest.raises(error) as caught:
        client.authenticate()
    assert type(caught.value) is error
    assert len(platform.calls("authentifier")) == 1  # a refusal is not retried
    assert platform.calls("lister-retours-flux") == []


def test_login_messages_say_what_to_do() -> None:
    expired = PasswordExpired(status=401)
    assert "renouvelez-le sur net-entreprises.fr" in str(expired)
    assert "coursier credentials set" in str(expired)
    assert "service 97" in str(NotRegistered())
    assert "SIRET" in str(LoginRefused())


def test_a_password_expired_on_a_call_is_not_cured_by_a_new_login() -> None:
    platform = FakePlatform()
    platform.script(
        "lister-retours-flux",
        httpx.Response(
            401, headers={"WWW-Authenticate": 'Basic realm="Expiration du mot de passe"'}
        ),
    )
    with make_client(platform) as client, pytest.raises(PasswordExpired):
        client.list_flux_returns(FLUX)
    assert platform.logins == 1


def test_the_login_is_retried_on_transport_errors() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "authentifier",
        httpx.ConnectError("refused"),
        httpx.Response(503, headers={"Retry-After": "3"}),
    )
    with make_client(platform, clock) as client:
        client.authenticate()
    assert platform.logins == 1
    assert clock.waits == [0.5, 3.0]


def test_a_login_that_never_gets_through_ends_in_a_transport_error() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("authentifier", *[httpx.Response(500)] * 4)
    with make_client(platform, clock) as client, pytest.raises(TransportError) as caught:
        client.authenticate()
    assert len(platform.calls("authentifier")) == 4
    assert clock.waits == [0.5, 1.0, 2.0]
    assert "500" in str(caught.value)


def test_authenticate_logs_in_again_even_with_a_valid_token() -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        client.authenticate()
        client.authenticate()
    assert platform.logins == 2


def test_threads_share_one_login_and_one_renewal() -> None:
    platform = FakePlatform()
    client = make_client(platform)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                client.list_flux_returns(FLUX)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    def run_threads() -> None:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    run_threads()
    assert (errors, platform.logins) == ([], 1)
    platform.expire_token()
    run_threads()
    client.close()
    assert (errors, platform.logins) == ([], 2)


def test_an_expires_already_past_is_ignored() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("authentifier", httpx.Response(200, text="jeton-A", headers={"Expires": "0"}))
    platform.token = "jeton-A"
    with make_client(platform, clock) as client:
        client.list_flux_returns(FLUX)
        client.list_flux_returns(FLUX)
    assert len(platform.calls("authentifier")) == 1


def test_a_password_with_a_control_character_is_refused_before_sending() -> None:
    platform = FakePlatform()
    creds = credentials(password="abc\x01def")
    with (
        make_client(platform, credentials=creds) as client,
        pytest.raises(InvalidRequest) as caught,
    ):
        client.authenticate()
    assert platform.requests == []
    assert "motdepasse" in str(caught.value)
    assert "abc" not in str(caught.value)
