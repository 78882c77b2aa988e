"""The headers every answer of a sandbox platform carries, as the official simulator's do.

- ``Date``: the sandbox's clock (tests move it forward), not the wall clock, so that a client
  reading ``Expires − Date`` gets the back-off asked, whatever the two clocks say;
- ``Expires`` on every 200 — and only on a 200 (recordings 55, 59): the clock plus the
  platform's back-off, "do not ask the same question again before" (120 s on the simulator,
  ``PlatformState.answer_backoff_s`` here). A fault's own answer (429, 5xx) keeps the
  ``Expires`` it sets.

The inspection API (``_sandbox``) is left alone. uvicorn's own ``Date`` is switched off
(``SandboxServer``), else answers would carry two.
"""

from __future__ import annotations

from typing import Any

from coursier.sandbox.clock import http_date
from coursier.sandbox.faults import INSPECTION, route_of
from coursier.sandbox.state import PlatformState


class AnswerHeaders:
    """ASGI middleware adding ``Date`` and a 200's ``Expires`` for one platform app."""

    def __init__(self, app: Any, state: PlatformState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or route_of(scope) == INSPECTION:
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                now = self.state.clock.now()  # one instant: Expires − Date is the back-off
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", http_date(now).encode()))
                names = {k.lower() for k, _ in headers}
                if message["status"] == 200 and b"expires" not in names:
                    headers.append((b"expires", self.state.expires(now).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
