"""The app every platform starts from: its state, its declared routes, inspection and faults.

A platform's ``create_app`` builds on this and adds what is its own (error handlers, headers
middleware), so the routes it serves are the ones its registration declares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from coursier.sandbox import inspection
from coursier.sandbox.faults import FaultMiddleware

if TYPE_CHECKING:
    from coursier.sandbox.registry import SandboxPlatform, SandboxState


def platform_app(platform: SandboxPlatform, state: SandboxState) -> FastAPI:
    """``state`` on ``app.state.platform``; the platform's routers, the common inspection routes
    and its own; its fault board applied to every route but ``/_sandbox/``."""
    app = FastAPI(
        title=f"Bac à sable {state.name}", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.platform = state
    for router in (*platform.routers, inspection.router, *platform.inspection):
        app.include_router(router)
    app.add_middleware(FaultMiddleware, board=state.faults, clock=state.clock)
    return app
