"""Deposits: gzip ISO-8859-1 body and headers, AEE / ARE, and never a second POST."""

from __future__ import annotations

import gzip

import httpx
import pytest

from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.errors import (
    DepositOutcomeUnknown,
    DepositRejected,
    ForbiddenFlux,
    InvalidRequest,
    LoginRefused,
    RequestJudgedDangerous,
    UnsupportedMedia,
)
from tests.connectors.net_entreprises.fake_platform import (
    AEE,
    AEE_IDFLUX,
    ARE,
    FakeClock,
    FakePlatform,
    credentials,
    make_client,
)

DSN = (
    "S10.G00.00.001,'Logiciel paie'\r\nS21.G00.30.002,'Hélène Müller'\r\nS90.G00.90.001,'3'\r\n"
).encode("iso-8859-1")


class CutStream(httpx.SyncByteStream):
    """A body that stops half-way, as when the connection drops."""

    def __iter__(self):
        yield b"<?xml version='1.0'?><gipmds:rapport"
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def test_the_file_is_sent_gzip_compressed_with_the_required_headers() -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        aee = client.deposit(DSN)
    (post,) = platform.calls("deposer-dsn")
    assert str(post.url) == "https://depot-edit.dsnrg.net-entreprises.fr/deposer-dsn/1.0/"
    assert post.headers["Content-Type"] == "text/plain"
    assert post.headers["Content-Encoding"] == "gzip"
    assert "gzip" in post.headers["Accept-Encoding"]
    assert post.headers["Authorization"] == "DSNLogin jeton=jeton-1-Zx9"
    assert gzip.decompress(post.content) == DSN  # the ISO-8859-1 bytes, untouched
    assert (aee.type, aee.idflux, aee.is_ok) == ("AEE", AEE_IDFLUX, True)


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (gzip.compress(AEE), {"Content-Encoding": "gzip"}),  # decoded by httpx
        (gzip.compress(AEE), {}),  # gzip that does not say so
        (AEE, {}),
    ],
)
def test_the_aee_is_read_compressed_or_not(content: bytes, headers: dict[str, str]) -> None:
    platform = FakePlatform()
    platform.script(
        "deposer-dsn",
        httpx.Response(
            200, content=content, headers={"Content-Type": "application/xml", **headers}
        ),
    )
    with make_client(platform) as client:
        assert client.deposit(DSN).idflux == AEE_IDFLUX


@pytest.mark.parametrize("compressed", [True, False])
def test_an_are_is_a_rejection_carrying_the_report(compressed: bool) -> None:
    platform = FakePlatform()
    body, headers = (gzip.compress(ARE), {"Content-Encoding": "gzip"}) if compressed else (ARE, {})
    platform.script("deposer-dsn", httpx.Response(422, content=body, headers=headers))
    with make_client(platform) as client, pytest.raises(DepositRejected) as caught:
        client.deposit(DSN)
    rejected = caught.value
    assert rejected.status == 422
    assert rejected.rapport.type == "ARE"
    assert [a.code for a in rejected.rapport.anomalies] == ["B1-105-15"]
    assert "B1-105-15" in str(rejected)
    assert "n'est pas reconnu" in str(rejected)
    assert "corrigez le fichier" in str(rejected)
    assert len(platform.calls("deposer-dsn")) == 1


def test_a_ko_report_with_200_is_a_rejection_too() -> None:
    platform = FakePlatform()
    platform.script("deposer-dsn", httpx.Response(200, content=ARE))
    with make_client(platform) as client, pytest.raises(DepositRejected):
        client.deposit(DSN)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(422, text="corps vide"), InvalidRequest),
        (httpx.Response(415, text="Content-Type"), UnsupportedMedia),
        (httpx.Response(406, text="Accept-Encoding"), UnsupportedMedia),
        (httpx.Response(407), RequestJudgedDangerous),
        (httpx.Response(403), ForbiddenFlux),
    ],
)
def test_refusals_are_certain_and_not_retried(answer: httpx.Response, error: type) -> None:
    platform = FakePlatform()
    platform.script("deposer-dsn", answer)
    with make_client(platform) as client, pytest.raises(error) as caught:
        client.deposit(DSN)
    assert type(caught.value) is error
    assert caught.value.status == answer.status_code
    assert len(platform.calls("deposer-dsn")) == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("connection reset"),
        httpx.Response(200, stream=CutStream()),
        httpx.Response(500),
        httpx.Response(503, headers={"Retry-After": "30"}),
        httpx.Response(429),
        httpx.Response(200, content=b"<gipmds:rapport><envoi>"),
        httpx.Response(200, content=b"<html>Maintenance</html>"),
        httpx.Response(302, headers={"Location": "https://maintenance.example/"}),
        httpx.Response(200, content=gzip.compress(AEE)[:40]),
    ],
    ids=[
        "timeout", "disconnect", "reset", "cut", "500", "503", "429",
        "malformed", "html", "302", "truncated-gzip",
    ],
)  # fmt: skip
def test_an_unclear_outcome_is_never_sent_twice(answer: object) -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("deposer-dsn", answer)
    with make_client(platform, clock) as client, pytest.raises(DepositOutcomeUnknown) as caught:
        client.deposit(DSN)
    assert len(platform.calls("deposer-dsn")) == 1
    assert clock.waits == []
    message = str(caught.value)
    assert "a peut-être été reçu" in message
    assert "ne le renvoyez pas" in message
    assert "liste des dépôts" in message
    assert "réessayez" not in message
    assert isinstance(caught.value.__cause__, ConnectorError)


def test_a_login_failure_before_the_deposit_sends_nothing() -> None:
    platform = FakePlatform()
    platform.script(
        "authentifier",
        httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="net-entreprises.fr"'}),
    )
    with make_client(platform) as client, pytest.raises(LoginRefused):
        client.deposit(DSN)
    assert platform.calls("deposer-dsn") == []


def test_an_expired_token_at_deposit_is_renewed_once_and_the_file_sent_again() -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        client.authenticate()
        platform.expire_token()  # refused with 401 before the platform looks at the file
        assert client.deposit(DSN).idflux == AEE_IDFLUX
    posts = platform.calls("deposer-dsn")
    assert [p.headers["Authorization"] for p in posts] == [
        "DSNLogin jeton=jeton-1-Zx9",
        "DSNLogin jeton=jeton-2-Zx9",
    ]
    assert all(gzip.decompress(p.content) == DSN for p in posts)


def test_an_empty_file_is_refused_before_sending() -> None:
    platform = FakePlatform()
    with make_client(platform) as client, pytest.raises(InvalidRequest) as caught:
        client.deposit(b"")
    assert platform.requests == []
    assert caught.value.status is None


@pytest.mark.parametrize("status", [200, 422])
def test_version_2_deposits_read_the_xml_rapport_under_a_json_content_type(status: int) -> None:
    # Recordings 39 and 40: deposer-dsn/2.0 answers the XML AEE/ARE as application/json.
    platform = FakePlatform()
    rapport = AEE if status == 200 else ARE
    platform.script(
        "deposer-dsn",
        httpx.Response(
            status,
            content=gzip.compress(rapport),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        ),
    )
    with make_client(platform, credentials=credentials(api_version="2.0")) as client:
        if status == 200:
            assert client.deposit(DSN).idflux == AEE_IDFLUX
        else:
            with pytest.raises(DepositRejected):
                client.deposit(DSN)
    (post,) = platform.calls("deposer-dsn")
    assert post.url.path == "/deposer-dsn/2.0/"
