"""The browser tests' world: the sandbox, a Prefect server with its UI on a database of the
session's PostgreSQL, ``coursier serve``, and a page of headless Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from coursier.sandbox.server import SandboxServer
from tests.flows.test_hr_sync import install_world
from tests.ui.browser import Steps, chromium_page
from tests.ui.world import HrWorld, prefect_ui

#: Every wait on the page (a click, a text to appear), generous for a loaded machine; a run
#: is waited for longer.
PAGE_TIMEOUT_MS = 60_000
SERVER_SETTINGS = {
    # Runs start from the UI only: no nightly run scheduled by the server's own clock.
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_API_LOG_RETRYABLE_ERRORS": "true",
}


@pytest.fixture
def hr_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url_factory: Callable[[], str]
) -> Iterator[HrWorld]:
    """The HR sync's deployments served against the sandbox's Securex and Payflip."""
    database = postgres_url_factory().replace("postgresql://", "postgresql+asyncpg://", 1)
    settings = {**SERVER_SETTINGS, "PREFECT_SERVER_DATABASE_CONNECTION_URL": database}
    home = tmp_path / "var"  # the COURSIER_HOME that install_world sets
    with (
        SandboxServer(seed=7) as sandbox,
        prefect_ui(tmp_path, home, settings, "hr-sync/hr-sync-now") as prefect,
    ):
        yield HrWorld(prefect, sandbox, install_world(tmp_path, monkeypatch, sandbox))


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page(PAGE_TIMEOUT_MS) as page:
        yield page


@pytest.fixture
def steps(page: Page, tmp_path: Path, hr_world: HrWorld) -> Steps:
    return Steps(page, tmp_path / "screenshots", hr_world.prefect.logs)
