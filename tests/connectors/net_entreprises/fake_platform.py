"""A scripted Net-Entreprises for ``httpx.MockTransport``: routes, tokens, recorded requests.

By default it behaves like the platform on a good day (a login gives a new token, calls without
the current token get the 401 of PROTOCOLS.md, deposits get the official AEE, listings are
empty). ``script(route, ...)`` queues answers for a route: an ``httpx.Response``, an exception
to raise (a cut, a timeout), or a callable of the request.
"""

from __future__ import annotations

import gzip
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from coursier.connectors.http import RetryPolicy
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from tests.models.returns.files import example

PASSWORD = "Mot<de>&passe'1"
SIRET = "99900000300015"
ROUTES = (
    "authentifier",
    "deposer-dsn",
    "lister-depots",
    "lister-retours-flux",
    "lister-retours-declarant",
    "lister-retours-concentrateur",
)
AEE = example("exemple_retour_10_AEE.xml")
ARE = example("exemple_retour_10_ARE.xml")
AEE_IDFLUX = "WSaah7AQlUpYL5RsQssseG."

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def credentials(**overrides: object) -> NetEntreprisesCredentials:
    fields: dict[str, object] = {
        "siret": SIRET,
        "last_name": "declarant",
        "first_name": "declarant",
        "password": PASSWORD,
        "environment": "test",
    }
    fields.update(overrides)
    return NetEntreprisesCredentials(**fields)


class FakeClock:
    """``clock`` and ``sleep`` for the client: sleeping moves the clock, waits are recorded."""

    def __init__(self, now: datetime = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)) -> None:
        self.now = now
        self.waits: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def http_date(self, seconds: float) -> str:
        """An HTTP date ``seconds`` from now, as ``Expires`` carries it."""
        return format_datetime(self.now + timedelta(seconds=seconds), usegmt=True)


class FakePlatform:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.logins = 0
        self.token: str | None = None
        self.scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self.listing_headers = {"Accept-Ranges": "minutes=0-60"}

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def script(self, route: str, *answers: Answer) -> None:
        assert route in (*ROUTES, "download"), route
        self.scripts[route].extend(answers)

    def calls(self, route: str) -> list[httpx.Request]:
        return [r for r in self.requests if route_of(r) == route]

    def expire_token(self) -> None:
        """The platform forgets the current token (as after its lifetime)."""
        self.token = "expired"

    def authorised(self, header: str) -> bool:
        """The current token, in a declarant's or a concentrateur's form."""
        concentrateur = f"DSNLogin concentrateur={self.token}"
        return header == f"DSNLogin jeton={self.token}" or (
            header == concentrateur or header.startswith(concentrateur + ",declarant=")
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        # A copy: the client replays the same request object with other headers.
        self.requests.append(
            httpx.Request(
                request.method, request.url, headers=request.headers.copy(), content=request.content
            )
        )
        route = route_of(request)
        if self.scripts[route]:
            answer = self.scripts[route].popleft()
            if isinstance(answer, Exception):
                raise answer
            return answer(request) if callable(answer) else answer
        if route == "authentifier":
            self.logins += 1
            self.token = f"jeton-{self.logins}-Zx9"
            return httpx.Response(200, text=f"  {self.token}\n")
        if not self.authorised(request.headers.get("Authorization", "")):
            return httpx.Response(
                401, headers={"WWW-Authenticate": 'DSNLogin realm="Expiration du jeton"'}
            )
        if route == "deposer-dsn":
            return httpx.Response(
                200,
                content=gzip.compress(AEE),
                headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
            )
        if route == "lister-depots":
            return listing(b"<depots><declarant>%s</declarant></depots>" % SIRET.encode(), self)
        if route == "download":
            return httpx.Response(200, content=b"%PDF-1.4 AER")
        return listing(b"<retours/>", self)


def route_of(request: httpx.Request) -> str:
    parts = request.url.path.strip("/").split("/")
    return parts[0] if parts and parts[0] in ROUTES else "download"


def listing(body: bytes, platform: FakePlatform | None = None, **headers: str) -> httpx.Response:
    merged = {"Content-Type": "application/xml", **(platform.listing_headers if platform else {})}
    merged.update({k.replace("_", "-"): v for k, v in headers.items()})
    return httpx.Response(200, content=body, headers=merged)


def deposits_xml(*entries: tuple[str, str, str]) -> bytes:
    """``<depots>`` with one ``<depot>`` per (idflux, yyyyMMddHHmmss, statut)."""
    items = b"".join(
        b"<depot><idflux>%s</idflux><date>%s</date><statut>%s</statut></depot>"
        % (i.encode(), d.encode(), s.encode())
        for i, d, s in entries
    )
    return b"<depots><declarant>%s</declarant>%s</depots>" % (SIRET.encode(), items)


def returns_xml(idflux: str, *returns: tuple[str, str, str, str]) -> bytes:
    """``<retours>`` for one flux, one ``<retour>`` per (id, nature, statut, url)."""
    items = b"".join(
        b"<retour><publication>20260310100000</publication><production>20260310095900"
        b"</production><nature>%s</nature><statut>%s</statut><id>%s</id><url>%s</url>"
        b"</retour>" % (n.encode(), s.encode(), i.encode(), u.encode())
        for i, n, s, u in returns
    )
    return b"<retours><flux><id>%s</id>%s</flux></retours>" % (idflux.encode(), items)


def make_client(
    platform: FakePlatform, clock: FakeClock | None = None, **options: object
) -> NetEntreprisesClient:
    clock = clock or FakeClock()
    options.setdefault("retry", RetryPolicy(attempts=4, max_wait=60.0, backoff=0.5))
    version = options.pop("api_version", None)  # the credentials say it
    creds = options.pop("credentials", None) or credentials(
        **({"api_version": version} if version else {})
    )
    return NetEntreprisesClient(
        creds,
        transport=platform.transport,
        clock=clock,
        sleep=clock.sleep,
        **options,
    )


DOWNLOAD_BASE = "https://telechargement-edit.dsnrg.net-entreprises.fr"
CONSULTATION_BASE = "https://consultation-edit.dsnrg.net-entreprises.fr"
