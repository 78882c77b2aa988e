"""Faults a sandbox platform injects, per route, switchable at runtime, reproducible by seed.

A route is the first segment of the platform's paths (``deposer-dsn``, ``lister-depots`` …) or
``*`` for all of them; a board knows its platform's routes (the registry derives them) and
refuses a rule on any other. The inspection API (``_sandbox``) is never faulted. A rule adds
latency and, with probability ``rate`` (for the next ``count`` hits only, when given), one of:

- ``status``: answer ``status`` (429, 500, 502, 503, 504) at once, with ``Retry-After`` and
  ``Expires``; the request is not processed;
- ``malformed``: process the request, then answer a body cut in half (XML/JSON that does not
  parse), the ``Content-Encoding`` kept;
- ``cut_response`` (the seed's "micro-coupure"): process the request — a deposit is recorded —
  then send the head and ``cut_after`` bytes of the body and drop the connection;
- ``cut_request``: read ``cut_after`` bytes of the request body, then drop the connection
  without processing anything: nothing is recorded.

A route's own rule and the ``*`` rule both apply to it: their latencies add up, and the route's
rule is drawn first, then, if it did not strike, ``*``'s (so "10 % cuts on deposits" and "5 %
503 everywhere" give deposits both).

A dropped connection is an exception raised after the response started: uvicorn closes the
socket and the client sees an incomplete body (``RemoteProtocolError``/``ReadError``).
:class:`QuietCuts` keeps those deliberate drops out of uvicorn's error log.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import random
import threading
from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator

from coursier.sandbox.clock import Clock, http_date

EVERY_ROUTE = "*"
FAULT_STATUSES = (429, 500, 502, 503, 504)
INSPECTION = "_sandbox"


class FaultKind(StrEnum):
    STATUS = "status"
    MALFORMED = "malformed"
    CUT_RESPONSE = "cut_response"
    CUT_REQUEST = "cut_request"


class Fault(BaseModel):
    """One route's rule (``POST /_sandbox/faults`` takes this shape as JSON)."""

    route: str = Field(EVERY_ROUTE, min_length=1, max_length=64)  # checked by the board
    kind: FaultKind | None = None
    rate: float = Field(1.0, ge=0, le=1)
    status: int = 503
    retry_after: int = Field(1, ge=0, le=3600)
    latency_ms: int = Field(0, ge=0, le=60_000)
    cut_after: int = Field(32, ge=0)
    count: int | None = Field(None, ge=1)

    @field_validator("status")
    @classmethod
    def _fault_status(cls, status: int) -> int:
        if status not in FAULT_STATUSES:
            raise ValueError(f"statut {status} : un de {FAULT_STATUSES}")
        return status


class UnknownFaultRoute(ValueError):
    """A rule naming a route its platform does not have."""


class FaultBoard:
    """The rules of one platform and the seeded draw that decides when they strike.

    ``routes``: the platform's routes a rule may name (``*`` is always one)."""

    def __init__(self, seed: int, name: str, routes: Iterable[str]) -> None:
        self.name = name
        self.routes = tuple(dict.fromkeys((EVERY_ROUTE, *routes)))
        self._seed = f"faults:{seed}:{name}"
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._rules: dict[str, Fault] = {}
            self._rng = random.Random(self._seed)  # noqa: S311 - reproducible faults

    def set(self, fault: Fault) -> None:
        """Replace the route's rule; :class:`UnknownFaultRoute` for a route not of this platform."""
        if fault.route not in self.routes:
            raise UnknownFaultRoute(
                f"route inconnue {fault.route!r} sur {self.name} : une panne vise l'une de "
                f"{', '.join(self.routes)}"
            )
        with self._lock:
            self._rules[fault.route] = fault

    def rules(self) -> list[Fault]:
        with self._lock:
            return list(self._rules.values())

    def latency_ms(self, route: str) -> int:
        """The latency of ``*`` plus the route's own."""
        with self._lock:
            return sum(
                r.latency_ms for key, r in self._rules.items() if key in (EVERY_ROUTE, route)
            )

    def draw(self, route: str) -> Fault | None:
        """The fault striking this request, if any: the route's rule is drawn, then, if it did
        not strike, ``*``'s (each draw one number of the seeded sequence)."""
        with self._lock:
            for key in dict.fromkeys((route, EVERY_ROUTE)):
                rule = self._rules.get(key)
                if rule is None or rule.kind is None or self._rng.random() >= rule.rate:
                    continue
                if rule.count is not None:
                    left = rule.count - 1
                    if left:
                        self._rules[key] = rule.model_copy(update={"count": left})
                    else:
                        del self._rules[key]
                return rule
            return None


class ConnectionCut(Exception):
    """Raised on purpose after the response started: the server drops the connection."""


class QuietCuts(logging.Filter):
    """Drop uvicorn's error record of a deliberate :class:`ConnectionCut`."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionCut)


def route_of(scope: dict[str, Any]) -> str:
    """The first path segment below the platform's mount point."""
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.lstrip("/").split("/", 1)[0]


class FaultMiddleware:
    """ASGI middleware applying a :class:`FaultBoard` to one platform app."""

    def __init__(self, app: Any, board: FaultBoard, clock: Clock) -> None:
        self.app = app
        self.board = board
        self.clock = clock

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = route_of(scope) if scope["type"] == "http" else INSPECTION
        if route == INSPECTION:
            await self.app(scope, receive, send)
            return
        latency = self.board.latency_ms(route)
        if latency:
            await asyncio.sleep(latency / 1000)
        fault = self.board.draw(route)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind is FaultKind.STATUS:
            await self._status(fault, send)
        elif fault.kind is FaultKind.CUT_REQUEST:
            await _read_some(receive, fault.cut_after)
            await _start(send, 200, [(b"content-length", b"1024")])
            raise ConnectionCut("requête coupée en cours de corps")
        else:
            head, body = await _run_captured(self.app, scope, receive)
            if fault.kind is FaultKind.MALFORMED:
                await _send_malformed(send, head, body)
            else:
                await send(head)
                await send(
                    {
                        "type": "http.response.body",
                        "body": body[: fault.cut_after],
                        "more_body": True,
                    }
                )
                raise ConnectionCut("réponse coupée en cours de corps")

    async def _status(self, fault: Fault, send: Any) -> None:
        body = f"Erreur simulée {fault.status} : réessayez plus tard.".encode()
        expires = http_date(self.clock.now() + timedelta(seconds=fault.retry_after))
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(fault.retry_after).encode()),
            (b"expires", expires.encode()),
        ]
        await _start(send, fault.status, headers)
        await send({"type": "http.response.body", "body": body})


async def _start(send: Any, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _read_some(receive: Any, limit: int) -> None:
    """Consume the request body until ``limit`` bytes were read or it ends."""
    read = 0
    while read < limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _run_captured(app: Any, scope: dict[str, Any], receive: Any) -> tuple[dict, bytes]:
    """Run the app to the end; its response head and whole body."""
    head: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            head.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return head, b"".join(chunks)


async def _send_malformed(send: Any, head: dict[str, Any], body: bytes) -> None:
    headers = [(k, v) for k, v in head.get("headers", []) if k.lower() != b"content-length"]
    gzipped = (b"content-encoding", b"gzip") in [(k.lower(), v.lower()) for k, v in headers]
    plain = gzip.decompress(body) if gzipped and body else body
    broken = plain[: len(plain) // 2] + b"<!--"
    body = gzip.compress(broken) if gzipped else broken
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**head, "headers": headers})
    await send({"type": "http.response.body", "body": body})
