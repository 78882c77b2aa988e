"""What every HTTP connector shares: the retry policy, waits read from headers, the translation
of httpx's exceptions and of "busy" statuses (429, 5xx), JSON bodies read, body excerpts with
secrets masked, and :class:`HttpConnector`, the owned httpx client with its retried calls.

Retries are for idempotent requests only (authentication, reads, downloads) and only on
:class:`TransportError`; a wait asked by the platform (``Retry-After``, or ``Expires`` on a 429)
is honoured up to ``RetryPolicy.max_wait``, otherwise the backoff doubles from ``backoff``.
"""

from __future__ import annotations

import functools
import logging
import re
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from coursier.connectors.errors import PayloadError, RateLimited, TransportError

logger = logging.getLogger(__name__)
T = TypeVar("T")

EXCERPT_LENGTH = 200
MASK = "***"
#: Some answers come gzip-compressed without saying so; none of ours is anywhere near this.
MAX_INFLATED = 16 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long an idempotent request is tried again on a transport error."""

    attempts: int = 5
    """Tries in all, the first included."""
    max_wait: float = 120.0
    """Longest single wait, in seconds, even when the platform asks for more."""
    backoff: float = 1.0
    """First wait when the platform says nothing; doubled at each further try."""

    def wait(self, state: RetryCallState) -> float:
        """Seconds before the next try: the platform's ``retry_after`` or the backoff, capped."""
        error = state.outcome.exception() if state.outcome else None
        return self.pause(getattr(error, "retry_after", None), state.attempt_number)

    def pause(self, asked: float | None, attempt: int = 1) -> float:
        """Seconds to wait after try number ``attempt``: what the platform ``asked`` if it
        said, else the doubling backoff; never more than ``max_wait``."""
        if asked is not None:
            return min(max(asked, 0.0), self.max_wait)
        return min(self.backoff * 2 ** (attempt - 1), self.max_wait)

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> Retrying:
        """A fresh tenacity controller (one per call: they keep per-call state)."""
        return Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            retry=retry_if_exception_type(TransportError),
            sleep=sleep,
            before_sleep=_log_retry,
            reraise=True,
        )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.warning(
        "essai %d échoué (%s) : nouvel essai dans %.1f s", state.attempt_number, error, wait
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def http_date(value: str | None) -> datetime | None:
    """An HTTP date header (``Expires``) as an aware datetime; None if absent or not a date."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def asked_delay(headers: httpx.Headers, now: datetime) -> float | None:
    """Seconds the platform asks to wait: ``Retry-After`` (seconds or date), else ``Expires``."""
    retry_after = headers.get("Retry-After", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    moment = http_date(retry_after) or http_date(headers.get("Expires"))
    if moment is None:
        return None
    return max((moment - now).total_seconds(), 0.0)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS settings (certifi's authorities), built once for every connector:
    building them loads the whole bundle, about 45 ms of CPU for each client otherwise."""
    return httpx.create_ssl_context()


class PerThreadTransport(httpx.BaseTransport):
    """One connection pool per thread that sends through it.

    httpcore's pool re-examines every connection it holds for each request and each response
    closed (a scan quadratic in the connections, a ``poll`` per idle one); a deposit pool of
    16 threads sharing one spent about a tenth of the flow process's CPU there. A thread's own
    pool holds the one or two connections that thread uses."""

    def __init__(self, new_transport: Callable[[], httpx.BaseTransport]) -> None:
        self._new_transport = new_transport
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[httpx.BaseTransport] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = getattr(self._local, "transport", None)
        if transport is None:
            transport = self._local.transport = self._new_transport()
            with self._lock:
                self._opened.append(transport)
        return transport.handle_request(request)

    def close(self) -> None:
        """Close every thread's pool, including those of threads gone since."""
        with self._lock:
            opened, self._opened = self._opened, []
        self._local = threading.local()
        for transport in opened:
            transport.close()


def owned_client(
    *, timeout: float, transport: httpx.BaseTransport | None, **client: Any
) -> httpx.Client:
    """The httpx client a connector owns: redirects not followed, the shared TLS context, and
    a pool per thread unless the caller brings its own ``transport`` (tests)."""
    if transport is None:
        transport = PerThreadTransport(lambda: httpx.HTTPTransport(verify=tls_context()))
    return httpx.Client(
        timeout=timeout,
        transport=transport,
        follow_redirects=False,
        verify=tls_context(),  # for the proxies httpx mounts from the environment
        **client,
    )


class HttpConnector:
    """The httpx client a connector owns (``_http``), closed with it, and its idempotent calls
    tried again as its ``_retry`` policy says, waiting with its ``_sleep``."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **client: Any,
    ) -> None:
        """``client``: more of httpx.Client's options (``base_url``, ``headers``)."""
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = owned_client(timeout=timeout, transport=transport, **client)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _retrying(self, call: Callable[[], T]) -> T:
        """``call`` (an idempotent request), tried again on :class:`TransportError`."""
        return self._retry.retrying(self._sleep)(call)


def numbered_pages(read: Callable[[int], dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The items of a resource paged by number, page after page: ``read(page)`` answers a
    page (``items`` and ``totalPages``; pages count from 1)."""
    page, pages = 1, 1
    while page <= pages:
        body = read(page)
        items, pages = body.get("items"), body.get("totalPages")
        if not isinstance(items, list) or not isinstance(pages, int):
            raise PayloadError.unreadable("page sans items ni totalPages")
        yield items
        page += 1


def busy_error(response: httpx.Response, label: str, now: datetime) -> TransportError | None:
    """The error of an answer saying "not now" (429: :class:`RateLimited`, 5xx), with the
    wait the platform asks; None for any other status."""
    status = response.status_code
    if status != 429 and status < 500:
        return None
    kind = RateLimited if status == 429 else TransportError
    return kind(
        f"{label} a répondu {status} : réessayez plus tard",
        retry_after=asked_delay(response.headers, now),
    )


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer's body, a JSON object; :class:`PayloadError` for anything else."""
    try:
        body = response.json()
    except ValueError as exc:
        raise PayloadError.unreadable("JSON illisible") from exc
    if not isinstance(body, dict):
        raise PayloadError.unreadable("un objet JSON était attendu")
    return body


def transport_error(exc: httpx.RequestError) -> TransportError:
    """Our error for one of httpx's: what happened, in French, without the request's content."""
    if isinstance(exc, httpx.TimeoutException):
        what = "délai d'attente dépassé"
    elif isinstance(exc, httpx.ConnectError):
        what = "connexion impossible"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        what = "connexion coupée en cours d'échange"
    elif isinstance(exc, httpx.DecodingError):
        what = "réponse tronquée ou mal compressée"
    else:
        what = "erreur de transport"
    return TransportError(
        f"{what} avec {exc.request.url.host} ({type(exc).__name__}) : "
        "vérifiez la connexion réseau, puis réessayez"
    )


_SPACES = re.compile(r"\s+")


def excerpt(body: bytes, secrets: Iterable[str], length: int = EXCERPT_LENGTH) -> str:
    """The start of a response body for an error message, every secret masked first."""
    text = body.decode("utf-8", errors="replace")
    for secret in secrets:
        if secret:
            for form in {secret, _xml_escaped(secret)}:
                text = text.replace(form, MASK)
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= length else text[: length - 1] + "…"


def _xml_escaped(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def gunzip(body: bytes) -> bytes:
    """``body``, inflated when it is gzip that httpx did not decode (no ``Content-Encoding``);
    bounded, so that a compression bomb is a :class:`PayloadError`, not a full memory."""
    if not body.startswith(GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(wbits=31)
    try:
        plain = inflater.decompress(body, MAX_INFLATED)
    except zlib.error as exc:
        raise PayloadError.unreadable("réponse gzip illisible") from exc
    if inflater.unconsumed_tail:
        raise PayloadError.unreadable("réponse décompressée trop grande")
    return plain


def is_under(url: str, base: str) -> bool:
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
