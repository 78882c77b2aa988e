"""Every status and realm of PROTOCOLS.md §1, on every route, to its error."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from coursier.connectors.errors import (
    ConnectorError,
    PayloadError,
    RateLimited,
    ResponseError,
    TransportError,
)
from coursier.connectors.net_entreprises import errors
from coursier.connectors.net_entreprises.errors import (
    AccountLocked,
    DepositOutcomeUnknown,
    DepositRejected,
    ForbiddenFlux,
    InvalidRequest,
    LoginRefused,
    MaintenancePage,
    NotRegistered,
    PasswordExpired,
    RequestJudgedDangerous,
    Route,
    TokenRejected,
    UnknownFlux,
    UnsupportedMedia,
    UntrustedUrl,
    asks_new_token,
    error_for,
    realm,
)
from tests.models.returns.files import example

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
EXPIRED_PASSWORD = 'Basic realm="Expiration du mot de passe"'
NOT_REGISTERED = 'DSNLogin realm="Utilisateur non-inscrit au service"'
BAD_LOGIN = 'Basic realm="net-entreprises.fr"'
MISSING_TOKEN = 'DSNLogin realm="Jeton manquant ou invalide"'
EXPIRED_TOKEN = 'DSNLogin realm="Expiration du jeton"'


def answer(status: int, *, route: Route = Route.LISTING, body: bytes = b"", **headers: str):
    response = httpx.Response(status, content=body, headers=headers)
    return error_for(response, route, ["s3cret"], NOW)


@pytest.mark.parametrize(
    ("status", "route", "headers", "expected"),
    [
        (401, Route.LOGIN, {"WWW-Authenticate": BAD_LOGIN}, LoginRefused),
        (401, Route.LOGIN, {"WWW-Authenticate": EXPIRED_PASSWORD}, PasswordExpired),
        (401, Route.LOGIN, {"WWW-Authenticate": NOT_REGISTERED}, NotRegistered),
        (401, Route.LOGIN, {}, LoginRefused),
        (401, Route.LOGIN, {"WWW-Authenticate": MISSING_TOKEN}, TokenRejected),
        (401, Route.LISTING, {"WWW-Authenticate": EXPIRED_TOKEN}, TokenRejected),
        (401, Route.DEPOSIT, {"WWW-Authenticate": MISSING_TOKEN}, TokenRejected),
        (401, Route.FLUX, {"WWW-Authenticate": BAD_LOGIN}, TokenRejected),
        (401, Route.DOWNLOAD, {"WWW-Authenticate": EXPIRED_PASSWORD}, PasswordExpired),
        (401, Route.DEPOSIT, {"WWW-Authenticate": NOT_REGISTERED}, NotRegistered),
        (403, Route.LOGIN, {}, AccountLocked),
        (403, Route.FLUX, {}, ForbiddenFlux),
        (403, Route.DEPOSIT, {}, ForbiddenFlux),
        (404, Route.FLUX, {}, UnknownFlux),
        (404, Route.LISTING, {}, ResponseError),
        (404, Route.DOWNLOAD, {}, ResponseError),
        (406, Route.DEPOSIT, {}, UnsupportedMedia),
        (415, Route.DEPOSIT, {}, UnsupportedMedia),
        (407, Route.LISTING, {}, RequestJudgedDangerous),
        (422, Route.LOGIN, {}, InvalidRequest),
        (422, Route.LISTING, {}, InvalidRequest),
        (422, Route.DEPOSIT, {}, InvalidRequest),  # no ARE in the body
        (400, Route.DEPOSIT, {}, ResponseError),
        (429, Route.LISTING, {}, RateLimited),
        (500, Route.LOGIN, {}, TransportError),
        (503, Route.DOWNLOAD, {}, TransportError),
        (301, Route.LISTING, {"Location": "https://www.net-entreprises.fr/"}, MaintenancePage),
        (302, Route.DEPOSIT, {}, MaintenancePage),
        (200, Route.LISTING, {"Content-Type": "text/html; charset=utf-8"}, MaintenancePage),
    ],
)
def test_status_to_error(
    status: int, route: Route, headers: dict[str, str], expected: type[ConnectorError]
) -> None:
    error = answer(status, route=route, **headers)
    assert type(error) is expected
    if isinstance(error, ResponseError):
        assert error.status == status


@pytest.mark.parametrize("status", [200, 201, 204])
def test_successes_are_no_error(status: int) -> None:
    assert answer(status, body=b"<retours/>", **{"Content-Type": "application/xml"}) is None


def test_html_sniffed_without_a_content_type() -> None:
    assert isinstance(answer(200, body=b"\n  <!DOCTYPE HTML><html>"), MaintenancePage)
    assert answer(200, body=b"%PDF-1.4") is None


def test_422_at_deposit_with_an_are_is_a_rejection() -> None:
    error = answer(422, route=Route.DEPOSIT, body=example("exemple_retour_10_ARE.xml"))
    assert isinstance(error, DepositRejected)
    assert error.rapport.idflux == "UR5WJEBA5T74R4jNmCgvm1F"
    assert "ARE, flux UR5WJEBA5T74R4jNmCgvm1F" in str(error)


def test_waits_asked_by_429_and_5xx() -> None:
    limited = answer(429, Expires="Tue, 10 Mar 2026 09:02:00 GMT")
    assert isinstance(limited, RateLimited)
    assert limited.retry_after == 120.0
    assert answer(503, **{"Retry-After": "9"}).retry_after == 9.0
    assert answer(500).retry_after is None


def test_a_redirect_names_its_target_and_says_maintenance() -> None:
    error = answer(302, Location="https://maintenance.net-entreprises.fr/page")
    assert "maintenance.net-entreprises.fr" in str(error)
    assert "maintenance" in str(error)
    assert "redirige vers ?" in str(answer(307, Location="http://[::bad"))
    assert "redirige vers ?" in str(answer(303))


def test_the_excerpt_is_masked() -> None:
    error = answer(400, body=b"motdepasse=s3cret refused")
    assert error.excerpt == "motdepasse=*** refused"
    assert "s3cret" not in str(error)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (BAD_LOGIN, "net-entreprises.fr"),
        (NOT_REGISTERED, "Utilisateur non-inscrit au service"),
        ('DSNLogin REALM = "Expiration du jeton", charset=UTF-8', "Expiration du jeton"),
        ("Expiration du mot de passe", "Expiration du mot de passe"),
        ("", ""),
    ],
)
def test_realm(header: str, expected: str) -> None:
    assert realm(httpx.Response(401, headers={"WWW-Authenticate": header})) == expected


@pytest.mark.parametrize(
    ("status", "header", "renew"),
    [
        (401, EXPIRED_TOKEN, True),
        (401, MISSING_TOKEN, True),
        (401, BAD_LOGIN, True),
        (401, "", True),
        (401, EXPIRED_PASSWORD, False),
        (401, NOT_REGISTERED, False),
        (403, EXPIRED_TOKEN, False),
        (200, "", False),
    ],
)
def test_which_answers_ask_for_a_new_token(status: int, header: str, renew: bool) -> None:
    assert asks_new_token(httpx.Response(status, headers={"WWW-Authenticate": header})) is renew


def test_the_tree_and_the_advice() -> None:
    assert issubclass(DepositOutcomeUnknown, TransportError)
    assert issubclass(UntrustedUrl, PayloadError)
    for kind in (PasswordExpired, NotRegistered):
        assert issubclass(kind, LoginRefused)
    leaves = [
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, ConnectorError)
        and value.__module__ == errors.__name__
    ]
    assert len(leaves) == 14
    for leaf in leaves:
        advice = leaf.advice
        assert advice != ConnectorError.advice, leaf
        assert " : " in advice, leaf  # what happened : what to do
