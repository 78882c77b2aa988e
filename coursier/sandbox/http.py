"""What every route of a sandbox platform shares: its state, the token check, error answers.

Errors are :class:`PlatformError` raised anywhere in a handler and answered as short French text
with the status and headers (``WWW-Authenticate``, ``Accept-Ranges``, ``Expires``) the platform
would send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import PlainTextResponse

from coursier.sandbox.accounts import Account
from coursier.sandbox.state import PlatformState

TOKEN_HEADER = re.compile(r"^\s*DSNLogin\s+jeton=(\S+)\s*$", re.IGNORECASE)
MISSING_TOKEN = 'DSNLogin realm="Jeton manquant ou invalide"'  # noqa: S105 - a realm
EXPIRED_TOKEN = 'DSNLogin realm="Expiration du jeton"'  # noqa: S105 - a realm


class PlatformError(Exception):
    """An error answer: ``status``, a French ``message``, and headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def platform_error_response(_: Request, error: PlatformError) -> PlainTextResponse:
    return PlainTextResponse(error.message, status_code=error.status, headers=error.headers)


def platform(request: Request) -> PlatformState:
    """The state of the platform app serving ``request``."""
    return request.app.state.platform


def authorised_account(request: Request, headers: Mapping[str, str] | None = None) -> Account:
    """The account of the request's ``DSNLogin jeton=…``; 401 with the platform's realms."""
    state = platform(request)
    match = TOKEN_HEADER.match(request.headers.get("authorization", ""))
    token = state.token(match.group(1)) if match else None
    account = state.account(token.account_siret) if token else None
    if token is None or account is None:
        raise PlatformError(
            401,
            "Jeton manquant ou invalide : authentifiez-vous sur /authentifier/1.0/.",
            {**(headers or {}), "WWW-Authenticate": MISSING_TOKEN},
        )
    if token.expires_at <= state.clock.now():
        raise PlatformError(
            401,
            "Jeton expiré : authentifiez-vous de nouveau.",
            {**(headers or {}), "WWW-Authenticate": EXPIRED_TOKEN},
        )
    return account


def check_version(version: str, allowed: tuple[str, ...] = ("1.0", "2.0")) -> None:
    if version not in allowed:
        raise PlatformError(404, f"Version d'API inconnue : {version}.")
