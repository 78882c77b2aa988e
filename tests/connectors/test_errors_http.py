"""The shared connector helpers: waits read from headers, httpx's errors translated, excerpts."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import httpx
import pytest
from tenacity import RetryCallState

from coursier.connectors.errors import (
    ConnectorError,
    PayloadError,
    RateLimited,
    ResponseError,
    TransportError,
)
from coursier.connectors.http import (
    MAX_INFLATED,
    RetryPolicy,
    asked_delay,
    excerpt,
    gunzip,
    http_date,
    transport_error,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_the_tree() -> None:
    assert issubclass(RateLimited, TransportError)
    for kind in (TransportError, ResponseError, PayloadError):
        assert issubclass(kind, ConnectorError)
    assert ResponseError("refusé", status=400, excerpt="motif").status == 400
    assert str(ResponseError("refusé", status=400, excerpt="motif")) == "refusé [HTTP 400 : motif]"
    assert str(ResponseError("refusé")) == "refusé"
    assert str(PayloadError()) == PayloadError.advice
    assert TransportError("connexion coupée : réessayez : plus tard").summary == "connexion coupée"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "Tue, 10 Mar 2026 09:00:30 GMT"}, 30.0),
        ({"Expires": "Tue, 10 Mar 2026 09:02:00 GMT"}, 120.0),
        ({"Retry-After": "5", "Expires": "Tue, 10 Mar 2026 09:02:00 GMT"}, 5.0),
        ({"Expires": "Tue, 10 Mar 2026 08:00:00 GMT"}, 0.0),  # already past
        ({"Expires": "0"}, None),
        ({"Expires": "-1"}, None),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_asked_delay(headers: dict[str, str], expected: float | None) -> None:
    assert asked_delay(httpx.Headers(headers), NOW) == expected


def test_http_date() -> None:
    assert http_date("Tue, 10 Mar 2026 09:02:00 GMT") == datetime(2026, 3, 10, 9, 2, tzinfo=UTC)
    assert http_date("Tue, 10 Mar 2026 09:02:00") == datetime(2026, 3, 10, 9, 2, tzinfo=UTC)
    assert http_date("not a date") is None
    assert http_date(None) is None


def _state(attempt: int, error: BaseException) -> RetryCallState:
    state = RetryCallState(retry_object=RetryPolicy().retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return state


def test_waits_double_from_the_backoff_and_honour_the_platform_capped() -> None:
    policy = RetryPolicy(attempts=6, max_wait=10.0, backoff=1.0)
    assert [policy.wait(_state(n, TransportError())) for n in range(1, 6)] == [1, 2, 4, 8, 10]
    assert policy.wait(_state(1, RateLimited(retry_after=3.5))) == 3.5
    assert policy.wait(_state(1, RateLimited(retry_after=600))) == 10.0
    assert policy.wait(_state(3, RateLimited(retry_after=0))) == 0.0


def test_only_transport_errors_are_retried() -> None:
    waits: list[float] = []
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise ResponseError("non", status=400)

    with pytest.raises(ResponseError):
        RetryPolicy(attempts=3).retrying(waits.append)(refused)
    assert (len(calls), waits) == (1, [])

    def cut() -> None:
        calls.append(1)
        raise TransportError("coupé")

    calls.clear()
    with pytest.raises(TransportError):
        RetryPolicy(attempts=3, backoff=0.25).retrying(waits.append)(cut)
    assert (len(calls), waits) == (3, [0.25, 0.5])


REQUEST = httpx.Request("GET", "https://consultation.dsnrg.net-entreprises.fr/lister")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (httpx.ReadTimeout("t", request=REQUEST), "délai d'attente dépassé"),
        (httpx.ConnectTimeout("t", request=REQUEST), "délai d'attente dépassé"),
        (httpx.ConnectError("c", request=REQUEST), "connexion impossible"),
        (httpx.RemoteProtocolError("r", request=REQUEST), "connexion coupée"),
        (httpx.ReadError("r", request=REQUEST), "connexion coupée"),
        (httpx.WriteError("w", request=REQUEST), "connexion coupée"),
        (httpx.DecodingError("d", request=REQUEST), "mal compressée"),
        (httpx.ProxyError("p", request=REQUEST), "erreur de transport"),
    ],
)
def test_httpx_errors_become_transport_errors(error: httpx.RequestError, words: str) -> None:
    translated = transport_error(error)
    assert type(translated) is TransportError
    assert words in str(translated)
    assert "consultation.dsnrg.net-entreprises.fr" in str(translated)
    assert "réessayez" in str(translated)


def test_excerpt_masks_then_cuts() -> None:
    body = ("x" * 190 + " secret-123 " + "y" * 50).encode()
    text = excerpt(body, ["secret-123"])
    assert "secret" not in text
    assert len(text) == 200
    assert text.endswith("…")
    assert excerpt(b"a  \n\t b <&> p&amp;w", ["p&w", ""]) == "a b <&> ***"
    assert excerpt(b"\xff\xfe bad utf-8", []) == "\ufffd\ufffd bad utf-8"


def test_gunzip() -> None:
    assert gunzip(b"<xml/>") == b"<xml/>"
    assert gunzip(gzip.compress(b"<xml/>")) == b"<xml/>"
    with pytest.raises(PayloadError, match="illisible"):
        gunzip(b"\x1f\x8b" + b"garbage")
    with pytest.raises(PayloadError, match="trop grande"):
        gunzip(gzip.compress(b"\0" * (MAX_INFLATED + 1)))
