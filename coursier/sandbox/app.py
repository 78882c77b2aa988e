"""The sandbox's ASGI app: each platform's app under its prefix, each with its own state."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI

from coursier.sandbox.registry import SandboxPlatform, SandboxState


def create_app(served: Iterable[tuple[SandboxPlatform, SandboxState]]) -> FastAPI:
    app = FastAPI(title="Bac à sable coursier", docs_url=None, redoc_url=None, openapi_url=None)
    for platform, state in served:
        app.mount(f"/{platform.prefix}", platform.create_app(platform, state))
    return app
