"""Net-Entreprises / IZILIO errors, and the one mapping from an HTTP answer to them.

::

    ConnectorError                              (coursier.connectors.errors)
    ├── TransportError ─ RateLimited
    │   └── DepositOutcomeUnknown              the deposit may or may not have arrived
    ├── ResponseError
    │   ├── LoginRefused                        401 Basic realm="net-entreprises.fr"
    │   │   ├── PasswordExpired                 401 "Expiration du mot de passe"
    │   │   └── NotRegistered                   401 "Utilisateur non-inscrit au service" (at
    │   │                                       login, or a concentrateur's declarant refused)
    │   ├── AccountLocked                       403 at login
    │   ├── TokenRejected                       401 about the token, after one new login
    │   ├── ForbiddenFlux                       403: another declarant's flux or SIRET
    │   ├── UnknownFlux                         404 on a flux
    │   ├── DepositRejected                     422 with an ARE (``rapport``)
    │   ├── InvalidRequest                      422 on field limits, or refused before sending
    │   │                                       (e.g. a concentrateur call without declarant)
    │   ├── UnsupportedMedia                    415 / 406
    │   ├── RequestJudgedDangerous              407
    │   └── MaintenancePage                     a redirect, or HTML where XML was expected
    └── PayloadError ─ UntrustedUrl            a return's URL outside the platform's hosts

A :class:`PayloadError` is a body that arrived whole and cannot be read (a token, a rapport or
a listing): deterministic, it says to report it. A listed return lacking its id is not an
error: the listing sets it aside (``coursier.models.returns.listings.SetAside``).
PROTOCOLS.md §1 lists the statuses and realms; ``tests/contract`` replays the official
simulator's answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import httpx

from coursier.connectors.errors import (
    ConnectorError,
    PayloadError,
    RateLimited,
    ResponseError,
    TransportError,
)
from coursier.connectors.http import asked_delay, excerpt, gunzip
from coursier.models.returns.rapport import Rapport, parse_rapport
from coursier.models.returns.xml import ReturnParseError

RENEW = "puis enregistrez-le avec `coursier credentials set`"


class DepositOutcomeUnknown(TransportError):
    """The deposit's POST did not end with a clear answer: never send it again blindly."""

    advice = (
        "le dépôt a peut-être été reçu par la plateforme, ou non : ne le renvoyez pas ; "
        "consultez d'abord la liste des dépôts (coursier le fait avant toute nouvelle tentative)"
    )


class LoginRefused(ResponseError):
    advice = (
        "identifiants refusés : vérifiez le SIRET, le nom, le prénom, le mot de passe et le code "
        f"service du compte (test : 97, concentrateur : 98), {RENEW}"
    )


class PasswordExpired(LoginRefused):
    advice = f"mot de passe expiré : renouvelez-le sur net-entreprises.fr {RENEW}"


class NotRegistered(LoginRefused):
    advice = (
        "compte non inscrit au service DSN demandé : inscrivez-le au service sur "
        "net-entreprises.fr, ou vérifiez l'environnement des identifiants (test : service 97)"
    )
    #: The same refusal on a concentrateur's call: the declarant it names is not one it serves.
    declarant_advice = (
        "déclarant refusé pour ce compte concentrateur : vérifiez l'identité du déclarant "
        "(SIRET, nom, prénom) du dossier ou de la société dans le portefeuille, et que le "
        "concentrateur est habilité pour lui sur net-entreprises.fr"
    )


class AccountLocked(ResponseError):
    advice = (
        "compte déclarant bloqué : débloquez-le sur net-entreprises.fr (mot de passe oublié), "
        f"{RENEW}"
    )


class TokenRejected(ResponseError):
    advice = (
        "jeton de session refusé même après une nouvelle authentification : réessayez plus "
        "tard ; si cela persiste, testez les identifiants avec `coursier credentials test`"
    )


class ForbiddenFlux(ResponseError):
    advice = (
        "accès refusé : ce flux ou ce SIRET n'est pas rattaché au compte déclarant utilisé ; "
        "vérifiez les identifiants du dossier avec `coursier credentials resolve`"
    )


class UnknownFlux(ResponseError):
    advice = (
        "flux inconnu de la plateforme : vérifiez son identifiant ; les retours ne sont "
        "conservés qu'environ trois mois"
    )


class InvalidRequest(ResponseError):
    advice = (
        "requête refusée par la plateforme (valeur hors limites) : vérifiez les identifiants "
        "(SIRET de 14 chiffres, nom ≤ 64, prénom ≤ 39, mot de passe ≤ 30 caractères) et le fichier"
    )


class UnsupportedMedia(ResponseError):
    advice = (
        "format de requête refusé par la plateforme (encodage ou compression) : mettez coursier "
        "à jour ; si cela persiste, signalez-le"
    )


class RequestJudgedDangerous(ResponseError):
    advice = (
        "requête jugée dangereuse par la plateforme : vérifiez que le fichier ne contient que "
        "du texte DSN ISO-8859-1, puis contactez le support de la plateforme"
    )


class MaintenancePage(ResponseError):
    advice = (
        "la plateforme a répondu par une redirection ou une page web au lieu de l'API : "
        "elle est sans doute en maintenance ; réessayez plus tard"
    )


class DepositRejected(ResponseError):
    """422 with an ARE: the platform refused the file; ``rapport`` is the parsed ARE."""

    advice = "dépôt rejeté par la plateforme : corrigez le fichier puis déposez-le de nouveau"

    def __init__(self, rapport: Rapport, *, status: int | None = 422) -> None:
        details = " ; ".join(rapport.messages()) or f"état {rapport.state or 'inconnu'}"
        flux = f", flux {rapport.idflux}" if rapport.idflux else ""
        super().__init__(
            f"dépôt rejeté par la plateforme ({rapport.type or 'ARE'}{flux}) : {details} — "
            "corrigez le fichier puis déposez-le de nouveau",
            status=status,
        )
        self.rapport = rapport


class UntrustedUrl(PayloadError):
    advice = (
        "adresse de retour refusée : elle n'est pas sous l'adresse de téléchargement de la "
        "plateforme configurée ; rien n'a été demandé — vérifiez les URL des identifiants"
    )


class Route(StrEnum):
    """Which exchange an answer belongs to: the same status means different things."""

    LOGIN = "authentification"
    DEPOSIT = "dépôt"
    LISTING = "consultation"
    FLUX = "retours d'un flux"
    DOWNLOAD = "téléchargement"


_REALM = re.compile(r'realm\s*=\s*"([^"]*)"', re.IGNORECASE)


def realm(response: httpx.Response) -> str:
    """The realm of a 401 (the whole ``WWW-Authenticate`` value when it names none)."""
    header = response.headers.get("WWW-Authenticate", "")
    found = _REALM.search(header)
    return (found.group(1) if found else header).strip()


def _refusal_of_401(text: str, *, login: bool) -> type[ResponseError]:
    """By realm; after the login, any other 401 is about the token, the only thing sent."""
    lowered = text.lower()
    if "mot de passe" in lowered:
        return PasswordExpired
    if "inscrit" in lowered:
        return NotRegistered
    if login and "jeton" not in lowered:
        return LoginRefused
    return TokenRejected


def asks_new_token(response: httpx.Response) -> bool:
    """A 401 that a new login may cure: anything but an expired password or a missing service."""
    return response.status_code == 401 and (
        _refusal_of_401(realm(response), login=False) is TokenRejected
    )


def is_html(response: httpx.Response) -> bool:
    """A web page where the API answers XML, JSON, text or PDF: a maintenance front page."""
    if "html" in response.headers.get("Content-Type", "").lower():
        return True
    return response.content.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


def error_for(
    response: httpx.Response,
    route: Route,
    secrets: Iterable[str],
    now: datetime,
    *,
    for_declarant: bool = False,
) -> ConnectorError | None:
    """Our error for an answer, or None when it is a usable success.

    ``for_declarant``: the request named a declarant (a concentrateur's call), so a
    "non-inscrit" refusal is about that declarant's identity, not about the account.
    """
    status = response.status_code
    if 200 <= status < 300:
        return MaintenancePage(status=status) if is_html(response) else None
    if 300 <= status < 400:
        target = _host(response.headers.get("Location"))
        return MaintenancePage(
            f"la plateforme redirige vers {target} au lieu de répondre : elle est sans doute "
            "en maintenance ; réessayez plus tard",
            status=status,
        )
    if status == 429:
        return RateLimited(
            f"la plateforme limite les requêtes ({route}) : coursier patiente puis réessaie ; "
            "si cela persiste, réessayez plus tard",
            retry_after=asked_delay(response.headers, now),
        )
    if status >= 500:
        return TransportError(
            f"erreur du serveur de la plateforme ({status}, {route}) : réessayez plus tard",
            retry_after=asked_delay(response.headers, now),
        )
    if status == 401:
        refusal = _refusal_of_401(realm(response), login=route is Route.LOGIN)
        shown = excerpt(realm(response).encode(), secrets)
        if refusal is NotRegistered and for_declarant and route is not Route.LOGIN:
            return NotRegistered(NotRegistered.declarant_advice, status=status, excerpt=shown)
        return refusal(status=status, excerpt=shown)
    body = excerpt(response.content, secrets)
    if status == 422 and route is Route.DEPOSIT:
        try:
            return DepositRejected(parse_rapport(gunzip(response.content)), status=status)
        except (ReturnParseError, PayloadError):
            return InvalidRequest(status=status, excerpt=body)
    kind = _BY_STATUS.get((status, route)) or _BY_STATUS.get((status, None))
    if kind is not None:
        return kind(status=status, excerpt=body)
    return ResponseError(_refusal_message(status, route), status=status, excerpt=body)


def _host(url: str | None) -> str:
    try:
        return httpx.URL(url or "").host or "?"
    except httpx.InvalidURL:
        return "?"


def _refusal_message(status: int, route: Route) -> str:
    if status == 404 and route is Route.DOWNLOAD:
        return (
            "retour introuvable : il a pu être remplacé par une version plus récente ou effacé "
            "(conservé environ trois mois) ; listez de nouveau les retours du flux"
        )
    if status == 404:
        return (
            f"adresse introuvable ({route}) : vérifiez les URL des identifiants ; le service "
            "est peut-être indisponible, réessayez plus tard"
        )
    return f"requête refusée par la plateforme ({route}) : vérifiez les identifiants et la requête"


_BY_STATUS: dict[tuple[int, Route | None], type[ResponseError]] = {
    (403, Route.LOGIN): AccountLocked,
    (403, None): ForbiddenFlux,
    (404, Route.FLUX): UnknownFlux,
    (406, None): UnsupportedMedia,
    (407, None): RequestJudgedDangerous,
    (415, None): UnsupportedMedia,
    (422, None): InvalidRequest,
}
