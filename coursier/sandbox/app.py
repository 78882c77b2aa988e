"""The sandbox's ASGI app: one platform app per prefix, each with its own state."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from coursier.sandbox.dsn_platform import create_platform_app
from coursier.sandbox.state import PlatformState

#: The DSN platforms served, by mount prefix (same protocol, separate state).
DSN_PLATFORMS = ("net-entreprises", "izilio")


def create_app(states: Mapping[str, PlatformState]) -> FastAPI:
    app = FastAPI(title="Bac à sable coursier", docs_url=None, redoc_url=None, openapi_url=None)
    for name, state in states.items():
        app.mount(f"/{name}", create_platform_app(state))
    return app
