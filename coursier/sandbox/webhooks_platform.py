"""A webhook receiver: where the sandbox's installation sends its notifications.

An installation points its notifications (``coursier notifications set URL``) at a chat or
ticketing webhook; the sandbox plays that receiver, so that a test, or someone trying the demo,
sees what would have been posted. ``POST /webhooks/hooks/{channel}`` keeps the body (JSON, or
text when it is not), the channel and the time; ``GET /webhooks/_sandbox/received`` lists them,
oldest first. Faults apply as on every platform (a receiver that answers 503).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from coursier.sandbox.clock import Clock
from coursier.sandbox.faults import FaultBoard
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register

PREFIX = "webhooks"


@dataclass(frozen=True)
class Received:
    channel: str
    at: datetime
    body: Any


@dataclass
class WebhookState:
    """What the receiver was sent, in order."""

    name: str
    clock: Clock
    faults: FaultBoard
    _received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, channel: str, body: Any) -> None:
        with self._lock:
            self._received.append(Received(channel, self.clock.now(), body))

    def received(self, channel: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if channel in (None, r.channel)]

    def reset(self) -> None:
        with self._lock:
            self._received.clear()
        self.faults.clear()


router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


@router.post("/hooks/{channel}")
async def hook(channel: str, request: Request) -> dict[str, str]:
    body = await request.body()
    try:
        content: Any = json.loads(body)
    except ValueError:
        content = body.decode("utf-8", errors="replace")
    request.app.state.platform.receive(channel, content)
    return {"status": "received"}


@inspection.get("/received")
def received(request: Request, channel: str | None = None) -> list[dict[str, Any]]:
    return [
        {"channel": r.channel, "at": r.at.isoformat(), "body": r.body}
        for r in request.app.state.platform.received(channel)
    ]


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> WebhookState:
    return WebhookState(
        platform.prefix,
        settings.clock,
        FaultBoard(settings.seed, platform.prefix, platform.fault_routes),
    )


def create_app(platform: SandboxPlatform, state: WebhookState) -> FastAPI:
    return platform_app(platform, state)


register(
    SandboxPlatform(
        prefix=PREFIX,
        new_state=new_state,
        create_app=create_app,
        routers=(router,),
        inspection=(inspection,),
    )
)
