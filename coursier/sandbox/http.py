"""What every route of a sandbox platform shares: its state, who calls, error answers, gzip.

Errors are :class:`PlatformError` raised anywhere in a handler and answered as short French text
(plain, never compressed, no ``Expires``: only a 200 carries one) with the status and headers
(``WWW-Authenticate``) the platform would send.

Callers name themselves as the official simulator expects (recordings 21, 27, 36, 37, 68, 90):

- ``DSNLogin jeton=<token>``: a declarant account, acting for itself;
- ``DSNLogin concentrateur=<token>[,declarant=<base64 of "SIRET;NOM;PRENOM">]``: a concentrateur
  account, acting for the declarant it names. Deposits and the declarant's listings need that
  part (without it: 401 "Jeton manquant ou invalide"); a declarant it does not act for is 401
  "Utilisateur non-inscrit au service". Flux listings, downloads and the concentrateur's own
  listing take the concentrateur part alone.

Answers of listings and downloads are gzip-compressed when the request accepts gzip, plain
when it says nothing; a request refusing gzip (``Accept-Encoding: identity``) is 406.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse

from coursier.sandbox.accounts import Account, find_declarant
from coursier.sandbox.state import Deposit, PlatformState

AUTHORIZATION = re.compile(r"^\s*DSNLogin\s+(\S.*?)\s*$", re.IGNORECASE)
MISSING_TOKEN = 'DSNLogin realm="Jeton manquant ou invalide"'  # noqa: S105 - a realm
EXPIRED_TOKEN = 'DSNLogin realm="Expiration du jeton"'  # noqa: S105 - a realm
NOT_REGISTERED = 'DSNLogin realm="Utilisateur non-inscrit au service"'
NO_CACHE = {"Cache-Control": "no-cache"}


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


@dataclass(frozen=True)
class Caller:
    """Who calls: the ``account`` that logged in, and the ``declarant`` it acts for (itself
    for a declarant account; the one named, or None, for a concentrateur)."""

    account: Account
    declarant: Account | None

    @property
    def is_concentrateur(self) -> bool:
        return self.account.is_concentrateur

    def may_see(self, deposit: Deposit) -> bool:
        """Its declarant's deposits, and for a concentrateur the ones it made."""
        if self.declarant is not None and deposit.account_siret == self.declarant.siret:
            return True
        return self.is_concentrateur and deposit.concentrateur_siret == self.account.siret


def _refused(realm: str, message: str) -> PlatformError:
    return PlatformError(401, message, {"WWW-Authenticate": realm})


def _missing() -> PlatformError:
    return _refused(
        MISSING_TOKEN, "Jeton manquant ou invalide : authentifiez-vous sur /authentifier/1.0/."
    )


def caller(
    request: Request, *, needs_declarant: bool = True, concentrateur_only: bool = False
) -> Caller:
    """Who the request's ``Authorization`` names; 401 with the platform's realms otherwise."""
    state = platform(request)
    found = AUTHORIZATION.match(request.headers.get("authorization", ""))
    params: dict[str, str] = {}
    for part in (found.group(1) if found else "").split(","):
        name, _, value = part.strip().partition("=")
        if value:
            params[name.strip().lower()] = value.strip()
    form = "concentrateur" if "concentrateur" in params else "jeton"
    token = state.token(params.get(form, ""))
    account = state.account(token.account_siret) if token else None
    if token is None or account is None or account.is_concentrateur != (form == "concentrateur"):
        raise _missing()
    if token.expires_at <= state.clock.now():
        raise _refused(EXPIRED_TOKEN, "Jeton expiré : authentifiez-vous de nouveau.")
    if form == "jeton":
        if concentrateur_only:
            raise _missing()
        return Caller(account, account)
    declarant = _named_declarant(state, account, params.get("declarant"))
    if declarant is None and needs_declarant:
        raise _missing()
    return Caller(account, declarant)


def _named_declarant(state: PlatformState, account: Account, value: str | None) -> Account | None:
    """The declarant a concentrateur names: None when it names none; 401 when it cannot be
    read (invalid) or is not one the concentrateur acts for (not registered)."""
    if value is None:
        return None
    try:
        identity = base64.b64decode(value, validate=True).decode("utf-8").split(";")
    except (binascii.Error, UnicodeDecodeError):
        raise _missing() from None
    declarant = find_declarant(state.accounts(), *identity) if len(identity) == 3 else None
    if declarant is None or not account.may_act_for(declarant):
        raise _refused(
            NOT_REGISTERED,
            "Déclarant non inscrit pour ce concentrateur : vérifiez son SIRET, son nom et son "
            "prénom.",
        )
    return declarant


def check_version(version: str, allowed: tuple[str, ...] = ("1.0", "2.0")) -> None:
    if version not in allowed:
        raise PlatformError(404, f"Version d'API inconnue : {version}.")


def _codings(request: Request) -> list[tuple[str, str]]:
    header = request.headers.get("accept-encoding") or ""
    parts = [part.strip().lower().partition(";") for part in header.split(",") if part.strip()]
    return [(name.strip(), params.replace(" ", "")) for name, _, params in parts]


def accepts_gzip(request: Request) -> bool:
    """No ``Accept-Encoding`` is accepted; one without gzip (or with ``gzip;q=0``) is not."""
    if request.headers.get("accept-encoding") is None:
        return True
    return any(
        name in ("gzip", "*") and params not in ("q=0", "q=0.0")
        for name, params in _codings(request)
    )


def check_accepts_gzip(request: Request) -> None:
    """406 for a request that refuses gzip (the platform compresses its answers)."""
    if not accepts_gzip(request):
        raise PlatformError(
            406, "Accept-Encoding doit accepter gzip : les réponses sont compressées."
        )


def answer(
    request: Request, body: bytes, media_type: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A 200 of a listing or download: gzip when the request asks for it, plain otherwise."""
    merged = {**NO_CACHE, **(headers or {})}
    if request.headers.get("accept-encoding") is not None and accepts_gzip(request):
        merged["Content-Encoding"] = "gzip"
        body = gzip.compress(body)
    return Response(body, media_type=media_type, headers=merged)
