"""Listings and downloads of a DSN platform (PROTOCOLS.md §1).

Windows are ``yyyyMMddHHmmss`` Paris times (else 422); ``fin`` defaults to now; a window wider
than 60 minutes is refused with 429 and ``Expires``. Every listing answer carries
``Accept-Ranges: minutes=0-60``. Version 1.0 answers XML, 2.0 the irregular JSON of the real
platform. Each return's ``url`` points at this sandbox's download route, versioned so that an
overwritten return's old URL answers 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response

from coursier.models.returns.listings import (
    DepositEntry,
    ReturnEntry,
    parse_window_time,
    write_deposits_json,
    write_deposits_xml,
    write_returns_json,
    write_returns_xml,
)
from coursier.sandbox.accounts import Account
from coursier.sandbox.clock import http_date
from coursier.sandbox.http import PlatformError, authorised_account, check_version, platform
from coursier.sandbox.state import StoredReturn

RANGES = {"Accept-Ranges": "minutes=0-60"}
MAX_WINDOW = timedelta(minutes=60)
MAX_IDFLUX_LENGTH = 50
#: Which organisation (``ops``) publishes each return nature, where the sandbox knows it.
OPS = {"93": "DGFIP", "94": "DGFIP", "95": "DGFIP", "44": "FRANCE TRAVAIL"}

router = APIRouter()


def _listing(version: str, xml: bytes, json_body: bytes) -> Response:
    if version == "1.0":
        return Response(xml, media_type="application/xml", headers=RANGES)
    return Response(json_body, media_type="application/json", headers=RANGES)


def _window(request: Request, debut: str, fin: str | None) -> tuple[datetime, datetime]:
    now = platform(request).clock.now()
    try:
        start = parse_window_time(debut)
        end = parse_window_time(fin) if fin else max(now, start)
    except ValueError as exc:
        raise PlatformError(422, f"Fenêtre refusée : {exc}.", RANGES) from None
    if end < start:
        raise PlatformError(422, "Fenêtre refusée : la fin précède le début.", RANGES)
    if end - start > MAX_WINDOW:
        raise PlatformError(
            429,
            "Fenêtre de plus de 60 minutes : découpez la recherche (Accept-Ranges).",
            {**RANGES, "Expires": http_date(now + timedelta(seconds=1))},
        )
    return start, end


@router.get("/lister-depots/{version}/{debut}")
@router.get("/lister-depots/{version}/{debut}/{fin}")
def list_deposits(request: Request, version: str, debut: str, fin: str | None = None) -> Response:
    check_version(version)
    account = authorised_account(request, RANGES)
    start, end = _window(request, debut, fin)
    entries = [
        DepositEntry(d.idflux, d.received_at, d.status)
        for d in platform(request).deposits(account.siret)
        if start <= d.received_at <= end
    ]
    return _listing(
        version,
        write_deposits_xml(account.siret, entries),
        write_deposits_json(account.siret, entries),
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


def _check_owner(request: Request, account: Account, idflux: str, headers: dict[str, str]) -> None:
    """404 for an unknown flux, 403 for another declarant's."""
    owner = platform(request).flux_owner(idflux)
    if owner is None:
        raise PlatformError(404, f"Flux {idflux} inconnu.", headers)
    if owner != account.siret:
        raise PlatformError(403, f"Le flux {idflux} appartient à un autre déclarant.", headers)


@router.get("/lister-retours-flux/{version}/{idflux}")
def list_flux_returns(request: Request, version: str, idflux: str) -> Response:
    check_version(version)
    account = authorised_account(request, RANGES)
    if len(idflux) > MAX_IDFLUX_LENGTH:
        raise PlatformError(422, "Identifiant de flux de plus de 50 caractères.", RANGES)
    _check_owner(request, account, idflux, RANGES)
    entries = _entries(request, platform(request).returns(idflux))
    return _listing(version, write_returns_xml(entries), write_returns_json(entries))


@router.get("/lister-retours-declarant/{version}/{debut}")
@router.get("/lister-retours-declarant/{version}/{debut}/{fin}")
def list_declarant_returns(
    request: Request, version: str, debut: str, fin: str | None = None
) -> Response:
    check_version(version)
    account = authorised_account(request, RANGES)
    start, end = _window(request, debut, fin)
    entries = _entries(request, platform(request).returns_published(account.siret, start, end))
    return _listing(version, write_returns_xml(entries), write_returns_json(entries))


@router.get("/telecharger/1.0/{idflux}/{return_id}/{version}", name="download")
def download(request: Request, idflux: str, return_id: str, version: str) -> Response:
    _check_owner(request, authorised_account(request), idflux, {})
    stored = platform(request).find_return(
        idflux, return_id, int(version) if version.isdigit() else 0
    )
    if stored is None:
        raise PlatformError(404, "Retour inconnu, pas encore publié, ou remplacé depuis.")
    return Response(stored.content, media_type=stored.media_type)
