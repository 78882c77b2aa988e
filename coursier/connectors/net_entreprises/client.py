"""``NetEntreprisesClient``: the DSN machine-to-machine API of Net-Entreprises and IZILIO.

    with NetEntreprisesClient(credentials) as client:
        client.authenticate()                      # "test de connexion"
        aee = client.deposit(path.read_bytes())    # Rapport (AEE); DepositRejected on an ARE
        for entry in client.list_flux_returns(aee.idflux):
            content = client.download(entry)

Synchronous and thread-safe: the flows share one client between worker threads (one token, one
login at a time). Authentication, listings and downloads are retried on transport errors
(``RetryPolicy``); a deposit never is — after a cut it raises :class:`DepositOutcomeUnknown` and
the caller reconciles through :meth:`list_deposits` before sending anything again.
PROTOCOLS.md §1 describes the protocol; ``errors.py`` maps every status and realm.
"""

from __future__ import annotations

import gzip
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Literal, TypeVar

import httpx

from coursier.connectors.errors import PayloadError, RateLimited, TransportError
from coursier.connectors.http import (
    RetryPolicy,
    gunzip,
    http_date,
    transport_error,
    utcnow,
)
from coursier.connectors.net_entreprises.auth import TokenAuth, TokenCache, identifiants
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
from coursier.connectors.net_entreprises.windows import (
    DEFAULT_MINUTES,
    Window,
    split,
    width_minutes,
)
from coursier.models.returns.listings import (
    DepositEntry,
    ReturnEntry,
    format_window_time,
    parse_deposits,
    parse_returns,
)
from coursier.models.returns.rapport import Rapport, parse_rapport
from coursier.models.returns.xml import ReturnParseError

T = TypeVar("T")

#: What a platform idflux looks like (about 23 characters, letters, digits, '.'); at most 50.
IDFLUX = re.compile(r"[A-Za-z0-9._~-]*[A-Za-z0-9][A-Za-z0-9._~-]*")
IDFLUX_MAX = 50
#: A token is opaque printable text; anything else is not a token (an HTML page, a cut body).
TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")
ACCEPT_RANGES = re.compile(r"minutes\s*=\s*\d+\s*-\s*(\d+)", re.IGNORECASE)


class NetEntreprisesClient:
    """One declarant account on one platform (Net-Entreprises or IZILIO), per its credentials."""

    def __init__(
        self,
        credentials: NetEntreprisesCredentials,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        api_version: Literal["1.0", "2.0"] = "1.0",
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._credentials = credentials
        self._urls = credentials.effective_urls()
        self._retry = retry or RetryPolicy()
        self._api_version = api_version
        self._clock = clock
        self._sleep = sleep
        self._window_minutes = DEFAULT_MINUTES
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        self._tokens = TokenCache(self._login, clock)
        self._auth = TokenAuth(self._tokens)

    def __repr__(self) -> str:
        c = self._credentials
        return (
            f"NetEntreprisesClient(platform={c.platform!r}, siret={c.siret!r}, "
            f"environment={c.environment!r})"
        )

    def __enter__(self) -> NetEntreprisesClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def window_minutes(self) -> int:
        """The widest search window the platform last advertised (``Accept-Ranges``)."""
        return self._window_minutes

    # Authentication ---------------------------------------------------------------------------

    def authenticate(self) -> None:
        """Log in now ("test de connexion"); the error says why it failed."""
        self._tokens.renew()

    def _login(self) -> tuple[str, datetime | None]:
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
                "réessayez plus tard"
            )
        expires = http_date(response.headers.get("Expires"))
        # An Expires already past (clocks apart, "0") would mean a login per call: ignore it.
        return token, expires if expires and expires > self._clock() else None

    # Deposit -----------------------------------------------------------------------------------

    def deposit(self, dsn: bytes) -> Rapport:
        """Deposit one DSN file (its raw ISO-8859-1 bytes); the AEE on success.

        :class:`DepositRejected` carries the ARE. Any other outcome than an AEE or a refusal —
        a cut, a timeout, a 5xx, a 429, an unreadable answer — is :class:`DepositOutcomeUnknown`:
        never re-send before the deposits' listing shows the file did not arrive.
        """
        if not dsn:
            raise InvalidRequest("fichier DSN vide : rien n'a été déposé ; vérifiez le fichier")
        self._tokens.get()  # a failed login sends nothing: it stays a plain error
        request = self._http.build_request(
            "POST",
            _join(self._urls.deposit, "deposer-dsn/1.0/"),
            content=gzip.compress(dsn, mtime=0),
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
        entries = self._windows("lister-depots", start, end, parse_deposits)
        return list(_unique(entries, lambda e: e.idflux))

    def list_declarant_returns(
        self, start: datetime, end: datetime | None = None
    ) -> list[ReturnEntry]:
        """Every return published for the declarant from ``start`` to ``end`` (now)."""
        entries = self._windows("lister-retours-declarant", start, end, parse_returns)
        return list(_unique(entries, _return_key))

    def list_flux_returns(self, idflux: str) -> list[ReturnEntry]:
        """The returns of one flux so far (an empty list while there is none)."""
        if len(idflux) > IDFLUX_MAX or not IDFLUX.fullmatch(idflux):
            raise InvalidRequest(
                f"identifiant de flux invalide {idflux[:60]!r} : attendu au plus {IDFLUX_MAX} "
                "lettres, chiffres ou points, tel que l'AEE le donne ; rien n'a été demandé"
            )
        url = _join(self._urls.consultation, f"lister-retours-flux/{self._api_version}/{idflux}")
        response = self._read(url, Route.FLUX)
        entries = self._parse(parse_returns, response.content, _content_type(response))
        return list(_unique(entries, _return_key))

    def _windows(
        self,
        route: str,
        start: datetime,
        end: datetime | None,
        parse: Callable[[bytes, str], list[T]],
    ) -> list[T]:
        """Entries of every window from ``start`` to ``end``, in order."""
        pending = deque(split(start, end or self._clock(), self._window_minutes))
        entries: list[T] = []
        while pending:
            window = pending.popleft()
            response = self._read_window(route, window)
            if response is None:  # wider than the platform now allows: cut it again
                pending.extendleft(reversed(split(*window, self._window_minutes)))
                continue
            entries.extend(self._parse(parse, response.content, _content_type(response)))
        return entries

    def _read_window(self, route: str, window: Window) -> httpx.Response | None:
        """One window, retried like every read; None when it is wider than the platform
        advertises (its last ``Accept-Ranges``, which a 429 may just have lowered)."""
        bounds = "/".join(format_window_time(moment) for moment in window)
        request = self._http.build_request(
            "GET", _join(self._urls.consultation, f"{route}/{self._api_version}/{bounds}")
        )

        def read() -> httpx.Response | None:
            if width_minutes(window) > self._window_minutes:
                return None
            try:
                return self._send(request, Route.LISTING)
            except RateLimited:
                if width_minutes(window) > self._window_minutes:
                    return None
                raise

        return self._retrying(read)

    # Download ----------------------------------------------------------------------------------

    def download(self, entry_or_url: ReturnEntry | str) -> bytes:
        """The content of a return, from the URL the listing gave (only under the platform's
        download or consultation address: any other URL is refused without a request)."""
        url = entry_or_url.url if isinstance(entry_or_url, ReturnEntry) else entry_or_url
        if not url or not any(_is_under(url, base) for base in self._trusted()):
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
        try:
            response = self._http.send(request, auth=self._auth if authenticated else None)
        except httpx.RequestError as exc:
            raise transport_error(exc) from exc
        self._note_window(response)
        error = error_for(response, route, self._secrets(), self._clock())
        if error is not None:
            raise error
        return response

    def _parse(self, parse: Callable[..., T], *args: object) -> T:
        try:
            return parse(*args)
        except ReturnParseError as exc:
            raise PayloadError(f"{PayloadError.advice} ({exc})") from exc

    def _note_window(self, response: httpx.Response) -> None:
        found = ACCEPT_RANGES.search(response.headers.get("Accept-Ranges", ""))
        if found and int(found.group(1)) >= 1:
            self._window_minutes = int(found.group(1))

    def _secrets(self) -> list[str]:
        token = self._tokens.secret()
        return [self._credentials.password.get_secret_value(), *([token] if token else [])]


def _join(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}"


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "")


def _return_key(entry: ReturnEntry) -> tuple[str, str, str]:
    return (entry.idflux, entry.nature, entry.return_id)


def _unique(entries: Iterable[T], key: Callable[[T], object]) -> Iterator[T]:
    """Entries in order, one per key, the last seen winning (windows share their bounds)."""
    kept: dict[object, T] = {}
    for entry in entries:
        kept[key(entry)] = entry
    yield from kept.values()


def _is_under(url: str, base: str) -> bool:
    """Same scheme, host and port as ``base``, no user info, path inside ``base``'s path."""
    try:
        target, root = httpx.URL(url), httpx.URL(base)
    except httpx.InvalidURL:
        return False
    if target.userinfo or (target.scheme, target.host, target.port) != (
        root.scheme,
        root.host,
        root.port,
    ):
        return False
    prefix = root.path.rstrip("/") + "/"
    return target.path.startswith(prefix) and ".." not in target.path.split("/")
