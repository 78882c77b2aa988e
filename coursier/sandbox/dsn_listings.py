"""Listings and downloads of a DSN platform, as the official simulator answers them.

Window bounds are ``yyyyMMddHHmmss`` Paris times, read leniently as the simulator's Java does
(month 13 is January of the next year; anything but 14 digits is 422), and checked before who
calls (recording 87); ``fin`` defaults to now. A window wider than the route allows is 429 with
no header at all (recordings 47, 53): 60 minutes on ``lister-retours-declarant`` and on a
declarant's ``lister-depots``, 10 on a concentrateur's ``lister-depots`` and on
``lister-retours-concentrateur``. Only a 200 of a window listing carries ``Accept-Ranges``.
Version 1.0 answers XML, 2.0 the simulator's JSON (:mod:`coursier.models.returns.listing_writer`).

Each return's ``url`` points at this sandbox's versioned download route, so that an
overwritten return's old URL answers 404; ``telecharger-retour/{version}/{idflux}/{id}`` (the
official route) serves a return's current version.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response

from coursier.models.declarant import Declarant
from coursier.models.returns.listing_writer import (
    write_deposits_json,
    write_deposits_xml,
    write_returns_json,
    write_returns_xml,
)
from coursier.models.returns.listings import DepositEntry, ReturnEntry
from coursier.models.returns.xml import PARIS
from coursier.sandbox.crm_cuts import cut_response
from coursier.sandbox.http import (
    Caller,
    PlatformError,
    answer,
    caller,
    check_accepts_gzip,
    check_version,
    platform,
)
from coursier.sandbox.state import StoredReturn

DECLARANT_MINUTES, CONCENTRATEUR_MINUTES = 60, 10
MAX_IDFLUX_LENGTH = 50
MAX_RETURN_ID_LENGTH = 10
XML, JSON = "application/xml", "application/json"
#: Which organisation (``ops``) publishes each return nature, where the sandbox knows it.
OPS = {"93": "DGFIP", "94": "DGFIP", "95": "DGFIP", "44": "FRANCE TRAVAIL"}

router = APIRouter()


def lenient_window_time(value: str) -> datetime:
    """14 digits read as Java's lenient ``SimpleDateFormat("yyyyMMddHHmmss")`` does (a month
    or day beyond its range rolls over), in Paris time; ``ValueError`` otherwise."""
    if len(value) != 14 or not value.isdigit():
        raise ValueError(f"date {value[:30]!r} : format attendu yyyyMMddHHmmss")
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:8])
    hour, minute, second = int(value[8:10]), int(value[10:12]), int(value[12:14])
    try:
        first = datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        moment = first + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)
    except (ValueError, OverflowError):
        raise ValueError(f"date {value!r} hors du calendrier") from None
    return moment.replace(tzinfo=PARIS)


def _window(request: Request, debut: str, fin: str | None) -> tuple[datetime, datetime]:
    """The window's bounds, checked before who calls (a bad date without token is 422)."""
    now = platform(request).clock.now()
    try:
        start = lenient_window_time(debut)
        end = lenient_window_time(fin) if fin else max(now, start)
    except ValueError as exc:
        raise PlatformError(422, f"Fenêtre refusée : {exc}.") from None
    if end < start:
        raise PlatformError(422, "Fenêtre refusée : la fin précède le début.")
    return start, end


def _within(start: datetime, end: datetime, minutes: int) -> None:
    if end - start > timedelta(minutes=minutes):
        raise PlatformError(
            429, f"Fenêtre de plus de {minutes} minutes : découpez la recherche (Accept-Ranges)."
        )


def _ranges(minutes: int) -> dict[str, str]:
    return {"Accept-Ranges": f"minutes=0-{minutes}"}


def _listing(
    request: Request, version: str, xml: bytes, json_body: bytes, minutes: int | None = None
) -> Response:
    headers = _ranges(minutes) if minutes else {}
    if version == "1.0":
        return answer(request, xml, XML, headers)
    return answer(request, json_body, JSON, headers)


@router.get("/lister-depots/{version}/{debut}")
@router.get("/lister-depots/{version}/{debut}/{fin}")
def list_deposits(request: Request, version: str, debut: str, fin: str | None = None) -> Response:
    check_version(version)
    start, end = _window(request, debut, fin)
    check_accepts_gzip(request)
    who = caller(request)
    minutes = CONCENTRATEUR_MINUTES if who.is_concentrateur else DECLARANT_MINUTES
    _within(start, end, minutes)
    declarant = who.declarant or who.account
    entries = [
        DepositEntry(d.idflux, d.received_at, d.status)
        for d in platform(request).deposits(declarant.siret)
        if start <= d.received_at <= end
    ]
    identity = Declarant(declarant.siret, declarant.nom, declarant.prenom)
    return _listing(
        request,
        version,
        write_deposits_xml(identity, entries),
        write_deposits_json(identity, entries),
        minutes,
    )


def _download_url(request: Request, stored: StoredReturn) -> str:
    """The return's download address under this platform's own prefix.

    Not ``request.url_for``: both platforms name their route "download", and the lookup from a
    mounted app finds the first mount's, which sent IZILIO's returns to Net-Entreprises.
    """
    prefix = request.scope.get("root_path", "")  # "/izilio" inside that platform's mount
    path = f"{prefix}/telecharger/1.0/{stored.idflux}/{stored.return_id}/{stored.version}"
    return str(request.url.replace(path=path, query=""))


def _entries(request: Request, returns: list[StoredReturn]) -> list[ReturnEntry]:
    return [
        ReturnEntry(
            idflux=r.idflux,
            return_id=r.return_id,
            nature=r.nature,
            status=r.status,
            published_at=r.available_at,
            produced_at=r.produced_at,
            url=_download_url(request, r),
            ops=OPS.get(r.nature),
            delegataire=None,
        )
        for r in returns
    ]


def _returns(request: Request, version: str, returns: list[StoredReturn], minutes: int | None):
    entries = _entries(request, returns)
    return _listing(
        request, version, write_returns_xml(entries), write_returns_json(entries), minutes
    )


def _check_visible(request: Request, who: Caller, idflux: str) -> None:
    """404 for an unknown flux, 403 for one the caller may not see."""
    deposit = platform(request).deposit_of(idflux)
    if deposit is None:
        raise PlatformError(404, f"Flux {idflux} inconnu.")
    if not who.may_see(deposit):
        raise PlatformError(403, f"Le flux {idflux} appartient à un autre déclarant.")


@router.get("/lister-retours-flux/{version}/{idflux}")
def list_flux_returns(request: Request, version: str, idflux: str) -> Response:
    check_version(version)
    if len(idflux) > MAX_IDFLUX_LENGTH:  # before Accept-Encoding, as the simulator checks
        raise PlatformError(422, "Identifiant de flux de plus de 50 caractères.")
    check_accepts_gzip(request)
    who = caller(request, needs_declarant=False)
    _check_visible(request, who, idflux)
    return _returns(request, version, platform(request).returns(idflux), None)


@router.get("/lister-retours-declarant/{version}/{debut}")
@router.get("/lister-retours-declarant/{version}/{debut}/{fin}")
def list_declarant_returns(
    request: Request, version: str, debut: str, fin: str | None = None
) -> Response:
    check_version(version)
    start, end = _window(request, debut, fin)
    check_accepts_gzip(request)
    who = caller(request)
    _within(start, end, DECLARANT_MINUTES)
    declarant = who.declarant or who.account
    returns = platform(request).returns_published(declarant.siret, start, end)
    return _returns(request, version, returns, DECLARANT_MINUTES)


@router.get("/lister-retours-concentrateur/{version}/{debut}")
@router.get("/lister-retours-concentrateur/{version}/{debut}/{fin}")
def list_concentrateur_returns(
    request: Request, version: str, debut: str, fin: str | None = None
) -> Response:
    check_version(version)
    start, end = _window(request, debut, fin)
    check_accepts_gzip(request)
    who = caller(request, needs_declarant=False, concentrateur_only=True)
    _within(start, end, CONCENTRATEUR_MINUTES)
    siret = who.account.siret
    returns = platform(request).returns_published(
        lambda d: d.concentrateur_siret == siret, start, end
    )
    return _returns(request, version, returns, CONCENTRATEUR_MINUTES)


@router.get("/telecharger/1.0/{idflux}/{return_id}/{version}", name="download")
def download(request: Request, idflux: str, return_id: str, version: str) -> Response:
    check_accepts_gzip(request)
    _check_visible(request, caller(request, needs_declarant=False), idflux)
    state = platform(request)
    stored = state.find_return(idflux, return_id, int(version) if version.isdigit() else 0)
    if stored is None:
        raise PlatformError(404, "Retour inconnu, pas encore publié, ou remplacé depuis.")
    return _served(request, stored)


def _served(request: Request, stored: StoredReturn) -> Response:
    """A return's content, unless its association's PAS transfers are to be cut."""
    state = platform(request)
    deposit = state.deposit_of(stored.idflux)
    if state.crm_cuts.strikes(deposit.declared_siret if deposit else None, stored.nature):
        return cut_response(stored.content, stored.media_type)
    return answer(request, stored.content, stored.media_type)


@router.get("/telecharger-retour/{version}/{idflux}/{return_id}")
def download_current(request: Request, version: str, idflux: str, return_id: str) -> Response:
    """The official route: the return's current version (Accept-Encoding checked first)."""
    check_version(version, ("1.0",))
    check_accepts_gzip(request)
    if len(idflux) > MAX_IDFLUX_LENGTH or len(return_id) > MAX_RETURN_ID_LENGTH:
        raise PlatformError(422, "Identifiant de flux ou de retour trop long.")
    _check_visible(request, caller(request, needs_declarant=False), idflux)
    stored = next((r for r in platform(request).returns(idflux) if r.return_id == return_id), None)
    if stored is None:
        raise PlatformError(404, "Retour inconnu ou pas encore publié.")
    return _served(request, stored)
