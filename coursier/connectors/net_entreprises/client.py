"""``NetEntreprisesClient``: the DSN machine-to-machine API of Net-Entreprises and IZILIO.

    with NetEntreprisesClient(credentials) as client:
        client.test_connection()                   # "test de connexion"
        aee = client.deposit(path.read_bytes())    # Rapport (AEE); DepositRejected on an ARE
        listing = client.list_flux_returns(aee.idflux)
        for entry in listing.entries:              # listing.set_aside: returns without an id
            content = client.download(entry)

A concentrateur account (service 98) acts for one declarant per client:
``NetEntreprisesClient(credentials, declarant=Declarant(siret, last_name, first_name))``.

Synchronous and thread-safe: the flows share one client between worker threads (one token, one
login at a time). Authentication, listings and downloads are retried on transport errors
(``RetryPolicy``); a deposit never is — after a cut it raises :class:`DepositOutcomeUnknown` and
the caller reconciles through :meth:`list_deposits` before sending anything again. A success's
``Expires`` is a back-off honoured before the same request is sent again (``throttle.py``).
PROTOCOLS.md §1 describes the protocol; ``errors.py`` maps every status and realm;
``tests/contract`` replays the official simulator's recorded answers.
"""

from __future__ import annotations

import gzip
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

import httpx

from coursier.connectors.errors import PayloadError, TransportError
from coursier.connectors.http import (
    RetryPolicy,
    asked_delay,
    gunzip,
    is_under,
    owned_client,
    transport_error,
    utcnow,
)
from coursier.connectors.net_entreprises.auth import (
    TokenAuth,
    TokenCache,
    concentrateur_header,
    declarant_header,
    identifiants,
)
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.errors import (
    DepositOutcomeUnknown,
    DepositRejected,
    InvalidRequest,
    MaintenancePage,
    Route,
    UntrustedUrl,
    error_for,
)
from coursier.connectors.net_entreprises.throttle import Throttle
from coursier.connectors.net_entreprises.windows import (
    DEFAULT_MINUTES,
    Window,
    WindowWidths,
    split,
    width_minutes,
)
from coursier.models.declarant import Declarant
from coursier.models.returns.listings import (
    DepositEntry,
    ReturnEntry,
    ReturnListing,
    format_window_time,
    merge_returns,
    parse_deposits,
    parse_returns,
    unique,
)
from coursier.models.returns.rapport import Rapport, parse_rapport
from coursier.models.returns.xml import ReturnParseError

T = TypeVar("T")

logger = logging.getLogger("coursier.connectors.net_entreprises")

#: What a platform idflux looks like (about 23 characters, letters, digits, '.'); at most 50.
IDFLUX = re.compile(r"[A-Za-z0-9._~-]*[A-Za-z0-9][A-Za-z0-9._~-]*")
IDFLUX_MAX = 50
#: A token is opaque printable text; anything else is not a token (an HTML page, a cut body).
TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")
ACCEPT_RANGES = re.compile(r"minutes\s*=\s*\d+\s*-\s*(\d+)", re.IGNORECASE)
CONCENTRATEUR_SERVICE = "98"
#: Widest windows of a concentrateur (recordings 53, 54 and 89 of the official simulator).
CONCENTRATEUR_MINUTES = 10
DEPOSITS, DECLARANT_RETURNS = "lister-depots", "lister-retours-declarant"
CONCENTRATEUR_RETURNS = "lister-retours-concentrateur"


class NetEntreprisesClient:
    """One account on one platform (Net-Entreprises or IZILIO), per its credentials.

    ``declarant``: for a concentrateur account, the declarant every call acts for (ignored
    for a declarant account, which acts for itself). ``token_lifetime``: how long a token is
    used before a new login, unless a 401 says it expired sooner.
    """

    def __init__(
        self,
        credentials: NetEntreprisesCredentials,
        *,
        declarant: Declarant | None = None,
        token_lifetime: timedelta = timedelta(hours=1),
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._credentials = credentials
        self._urls = credentials.effective_urls()
        self._version = credentials.api_version
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._declarant = declarant if self.is_concentrateur else None
        caps = {CONCENTRATEUR_RETURNS: CONCENTRATEUR_MINUTES}
        if self.is_concentrateur:
            caps[DEPOSITS] = CONCENTRATEUR_MINUTES
        self._widths = WindowWidths(DEFAULT_MINUTES, caps)
        self._throttle = Throttle(clock, sleep, self._retry.max_wait)
        self._http = owned_client(timeout=timeout, transport=transport)
        self._tokens = TokenCache(self._login, clock, token_lifetime)
        header = (
            concentrateur_header(self._declarant.header_value() if self._declarant else None)
            if self.is_concentrateur
            else declarant_header
        )
        self._auth = TokenAuth(self._tokens, header)

    def __repr__(self) -> str:
        c = self._credentials
        acting = f", declarant={self._declarant.siret!r}" if self._declarant else ""
        return (
            f"NetEntreprisesClient(platform={c.platform!r}, siret={c.siret!r}, "
            f"environment={c.environment!r}, service={c.service_code()!r}{acting})"
        )

    def __enter__(self) -> NetEntreprisesClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def now(self) -> datetime:
        """The time on this client's clock: where a listing "up to now" ends."""
        return self._clock()

    @property
    def is_concentrateur(self) -> bool:
        """A concentrateur account (service 98), acting for the declarant it names."""
        return self._credentials.service_code() == CONCENTRATEUR_SERVICE

    @property
    def window_minutes(self) -> int:
        """The widest ``lister-depots`` window the platform allows, as last learnt."""
        return self._widths.width(DEPOSITS)

    # Authentication ---------------------------------------------------------------------------

    def authenticate(self) -> None:
        """Log in now; the error says why it failed."""
        self._tokens.renew()

    def test_connection(self) -> None:
        """The "test de connexion": log in now and, for a concentrateur, list its declarant's
        deposits of the last minute — a concentrateur's login succeeds even when the declarant
        it names would be refused (NotRegistered then says to check that identity)."""
        if self.is_concentrateur:
            self._require_declarant("le test de connexion")
        self._tokens.renew()
        if self.is_concentrateur:
            now = self._clock()
            self.list_deposits(now - timedelta(minutes=1), now)

    def _login(self) -> str:
        c = self._credentials
        body = identifiants(
            c.siret, c.last_name, c.first_name, c.password.get_secret_value(), c.service_code()
        )
        request = self._http.build_request(
            "POST",
            _join(self._urls.auth, "authentifier/1.0/"),
            content=body,
            headers={"Content-Type": "application/xml"},
        )
        response = self._retrying(lambda: self._send(request, Route.LOGIN, authenticated=False))
        token = response.text.strip()
        if not TOKEN.fullmatch(token):
            raise PayloadError(
                "la plateforme a accepté les identifiants mais son jeton est illisible : "
                f"{PayloadError.report}"
            )
        return token

    def _require_declarant(self, what: str) -> None:
        """A concentrateur acts for a declarant: without one, refuse before sending anything."""
        if self.is_concentrateur and self._declarant is None:
            raise InvalidRequest(
                f"compte concentrateur sans déclarant : {what} se fait pour un déclarant ; "
                "renseignez son identité (SIRET, nom, prénom) pour la société ou le dossier "
                "dans le portefeuille ; rien n'a été envoyé"
            )

    # Deposit -----------------------------------------------------------------------------------

    def deposit(self, dsn: bytes) -> Rapport:
        """Deposit one DSN file (its raw ISO-8859-1 bytes); the AEE on success.

        :class:`DepositRejected` carries the ARE. Any other outcome than an AEE or a refusal —
        a cut, a timeout, a 5xx, a 429, an unreadable answer — is :class:`DepositOutcomeUnknown`:
        never re-send before the deposits' listing shows the file did not arrive. The rapport
        is read as XML whatever the content type (2.0 announces JSON and sends XML).
        """
        if not dsn:
            raise InvalidRequest("fichier DSN vide : rien n'a été déposé ; vérifiez le fichier")
        self._require_declarant("un dépôt")
        self._tokens.get()  # a failed login sends nothing: it stays a plain error
        request = self._http.build_request(
            "POST",
            _join(self._urls.deposit, f"deposer-dsn/{self._version}/"),
            content=gzip.compress(dsn, compresslevel=6, mtime=0),  # 4x faster than 9, ~same size
            headers={
                "Content-Type": "text/plain",
                "Content-Encoding": "gzip",
                "Accept-Encoding": "gzip",
            },
        )
        try:
            response = self._send(request, Route.DEPOSIT)
            rapport = self._parse(parse_rapport, gunzip(response.content))
        except (TransportError, PayloadError, MaintenancePage) as exc:
            raise DepositOutcomeUnknown(f"{exc.summary} — {DepositOutcomeUnknown.advice}") from exc
        if not rapport.is_ok:
            raise DepositRejected(rapport, status=response.status_code)
        return rapport

    # Listings ----------------------------------------------------------------------------------

    def list_deposits(self, start: datetime, end: datetime | None = None) -> list[DepositEntry]:
        """The declarant's deposits from ``start`` to ``end`` (now), over as many windows as
        the platform's width allows."""
        self._require_declarant("la liste des dépôts")
        pages = self._windows(DEPOSITS, start, end, parse_deposits)
        return unique((e for page in pages for e in page), lambda e: e.idflux)

    def list_declarant_returns(self, start: datetime, end: datetime | None = None) -> ReturnListing:
        """Every return published for the declarant from ``start`` to ``end`` (now)."""
        self._require_declarant("la liste des retours du déclarant")
        return self._merged(self._windows(DECLARANT_RETURNS, start, end, parse_returns))

    def list_concentrateur_returns(
        self, start: datetime, end: datetime | None = None
    ) -> ReturnListing:
        """Every return of the flux this concentrateur deposited, from ``start`` to ``end``."""
        if not self.is_concentrateur:
            raise InvalidRequest(
                "liste des retours du concentrateur : réservée aux comptes concentrateur "
                "(service 98) ; utilisez la liste des retours du déclarant ; rien n'a été envoyé"
            )
        return self._merged(self._windows(CONCENTRATEUR_RETURNS, start, end, parse_returns))

    def list_flux_returns(self, idflux: str) -> ReturnListing:
        """The returns of one flux so far (no entry while there is none)."""
        if len(idflux) > IDFLUX_MAX or not IDFLUX.fullmatch(idflux):
            raise InvalidRequest(
                f"identifiant de flux invalide {idflux[:60]!r} : attendu au plus {IDFLUX_MAX} "
                "lettres, chiffres ou points, tel que l'AEE le donne ; rien n'a été demandé"
            )
        url = _join(self._urls.consultation, f"lister-retours-flux/{self._version}/{idflux}")
        response = self._read(url, Route.FLUX)
        return self._merged([self._parse(parse_returns, response.content, _content_type(response))])

    def _merged(self, listings: Iterable[ReturnListing]) -> ReturnListing:
        """One listing of many, a warning logged for every set-aside return."""
        merged = merge_returns(listings)
        for item in merged.set_aside:
            logger.warning(
                "retour mis de côté (flux %s, nature %s, statut %s) : %s",
                item.idflux or "?",
                item.nature or "?",
                item.status or "?",
                item.reason,
            )
        return merged

    def _windows(
        self,
        route: str,
        start: datetime,
        end: datetime | None,
        parse: Callable[[bytes, str], T],
    ) -> list[T]:
        """What each window from ``start`` to ``end`` lists, in order."""
        pending = deque(split(start, end or self._clock(), self._widths.width(route)))
        pages: list[T] = []
        while pending:
            window = pending.popleft()
            response = self._read_window(route, window)
            if response is None:  # wider than the platform now allows: cut it again
                pending.extendleft(reversed(split(*window, self._widths.width(route))))
                continue
            pages.append(self._parse(parse, response.content, _content_type(response)))
        return pages

    def _read_window(self, route: str, window: Window) -> httpx.Response | None:
        """One window, retried like every read; None when it must be cut again: wider than the
        route's width (which the 429 may just have lowered with ``Accept-Ranges``, or halved
        when it said nothing — after the wait it asked for)."""
        bounds = "/".join(format_window_time(moment) for moment in window)
        request = self._http.build_request(
            "GET", _join(self._urls.consultation, f"{route}/{self._version}/{bounds}")
        )

        def read() -> httpx.Response | None:
            if width_minutes(window) > self._widths.width(route):
                return None
            response = self._exchange(request, Route.LISTING, window_route=route)
            if response.status_code == 429:
                if width_minutes(window) > self._widths.width(route):
                    return None
                named = ACCEPT_RANGES.search(response.headers.get("Accept-Ranges", ""))
                narrower = None if named else self._widths.halve(route, window)
                if narrower is not None:
                    wait = self._retry.pause(asked_delay(response.headers, self._clock()))
                    logger.warning(
                        "fenêtre de %s refusée (429, largeur non annoncée) : ramenée à %d "
                        "minutes, nouvel essai dans %.1f s",
                        route,
                        narrower,
                        wait,
                    )
                    self._sleep(wait)
                    return None
            self._raise_for(response, Route.LISTING)
            return response

        return self._retrying(read)

    # Download ----------------------------------------------------------------------------------

    def download(self, entry_or_url: ReturnEntry | str) -> bytes:
        """The content of a return, from the URL the listing gave (only under the platform's
        download or consultation address: any other URL is refused without a request)."""
        url = entry_or_url.url if isinstance(entry_or_url, ReturnEntry) else entry_or_url
        if not url or not any(is_under(url, base) for base in self._trusted()):
            raise UntrustedUrl(f"{UntrustedUrl.advice} ({(url or 'adresse vide')[:120]})")
        return self._read(url, Route.DOWNLOAD).content

    def _trusted(self) -> Iterator[str]:
        yield self._urls.download
        yield self._urls.consultation

    # The one place where foreign exceptions and statuses become ours ---------------------------

    def _read(self, url: str, route: Route) -> httpx.Response:
        request = self._http.build_request("GET", url)
        return self._retrying(lambda: self._send(request, route))

    def _retrying(self, call: Callable[[], T]) -> T:
        return self._retry.retrying(self._sleep)(call)

    def _send(
        self, request: httpx.Request, route: Route, *, authenticated: bool = True
    ) -> httpx.Response:
        """Send once; httpx's exceptions and every non-success status become our errors."""
        response = self._exchange(request, route, authenticated=authenticated)
        self._raise_for(response, route)
        return response

    def _exchange(
        self,
        request: httpx.Request,
        route: Route,
        *,
        authenticated: bool = True,
        window_route: str | None = None,
    ) -> httpx.Response:
        """Send once, after the back-off a previous answer asked for (never for a deposit);
        httpx's exceptions become ours, the answer's widths and back-off are noted."""
        if route is not Route.DEPOSIT:
            self._throttle.wait(request)
        try:
            response = self._http.send(request, auth=self._auth if authenticated else None)
        except httpx.RequestError as exc:
            raise transport_error(exc) from exc
        found = ACCEPT_RANGES.search(response.headers.get("Accept-Ranges", ""))
        if found:
            self._widths.advertised(window_route, int(found.group(1)))
        if route is not Route.DEPOSIT and response.status_code == 200:
            self._throttle.note(request, response)
        return response

    def _raise_for(self, response: httpx.Response, route: Route) -> None:
        error = error_for(
            response,
            route,
            self._secrets(),
            self._clock(),
            for_declarant=self._declarant is not None,
        )
        if error is not None:
            raise error

    def _parse(self, parse: Callable[..., T], *args: object) -> T:
        try:
            return parse(*args)
        except ReturnParseError as exc:
            raise PayloadError.unreadable(str(exc)) from exc

    def _secrets(self) -> list[str]:
        token = self._tokens.secret()
        return [self._credentials.password.get_secret_value(), *([token] if token else [])]


def _join(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}"


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "")
