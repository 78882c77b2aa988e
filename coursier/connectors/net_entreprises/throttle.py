"""``Expires`` on a success: "do not ask the same question again before" (PROTOCOLS.md §1).

Every 200 of the DSN API carries ``Expires`` (now + 2 minutes on the official simulator,
whatever the service). It is neither a cache lifetime nor the token's: the platform rate-limits
repeated questions. :class:`Throttle` remembers it per request (method and URL) and, before the
very same request is sent again, waits until then — through the client's ``sleep``, never more
than ``RetryPolicy.max_wait`` at a time. Deposits never go through it: a deposit is never
repeated.

The delay is ``Expires − Date`` of that answer when it carries a ``Date``: the platform's clock
and ours may differ (the sandbox's is moved forward by tests), its own difference does not.
Without ``Date`` it is ``Expires`` minus our clock. An ``Expires`` that is not a date ("0",
"-1") or already past asks for nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from coursier.connectors.http import http_date

logger = logging.getLogger("coursier.connectors.net_entreprises")

#: Requests remembered at most; the oldest (long past) are dropped beyond it.
MAX_REMEMBERED = 512

Key = tuple[str, str]


def asked_back_off(response: httpx.Response, now: datetime) -> float | None:
    """Seconds the answer asks us to wait before asking the same again; None if nothing."""
    expires = http_date(response.headers.get("Expires"))
    if expires is None:
        return None
    reference = http_date(response.headers.get("Date")) or now
    seconds = (expires - reference).total_seconds()
    return seconds if seconds > 0 else None


class Throttle:
    """When each request may be sent again, per method and URL; thread-safe."""

    def __init__(
        self, clock: Callable[[], datetime], sleep: Callable[[float], None], max_wait: float
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._lock = threading.Lock()
        self._not_before: dict[Key, datetime] = {}

    def __repr__(self) -> str:
        return f"Throttle(remembered={len(self._not_before)})"

    def wait(self, request: httpx.Request) -> float:
        """Sleep until ``request`` may be sent again (capped); the seconds slept."""
        key = _key(request)
        with self._lock:
            moment = self._not_before.get(key)
        if moment is None:
            return 0.0
        seconds = min((moment - self._clock()).total_seconds(), self._max_wait)
        if seconds <= 0:
            return 0.0
        logger.info(
            "la plateforme a demandé de ne pas reposer la même question avant %.1f s (Expires) : "
            "attente avant %s %s",
            seconds,
            request.method,
            request.url.path,
        )
        self._sleep(seconds)
        return seconds

    def note(self, request: httpx.Request, response: httpx.Response) -> None:
        """Remember the back-off a success asked for."""
        now = self._clock()
        seconds = asked_back_off(response, now)
        if seconds is None:
            return
        with self._lock:
            self._not_before[_key(request)] = now + timedelta(seconds=seconds)
            if len(self._not_before) > MAX_REMEMBERED:
                self._not_before = {k: t for k, t in self._not_before.items() if t > now}


def _key(request: httpx.Request) -> Key:
    return (request.method, str(request.url))
