"""The browser a person would use, headless: the distribution's Chromium driven by Playwright.

Never a browser of Playwright's own (``playwright install`` downloads one, which cannot work
here): the ``chromium`` package's, which ``.ci/run`` installs when it is missing. Each step of
a scenario is named; a step that fails leaves the page's screenshot and HTML in a folder the
failure names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # as root, and in CI's containers
    "--disable-gpu",
    "--disable-background-networking",  # nothing beyond this machine
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}


@contextmanager
def chromium_page(timeout_ms: int) -> Iterator[Page]:
    """A fresh page in headless Chromium, every wait on it (``expect`` included)
    ``timeout_ms`` at most."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install the distribution's `chromium` package "
            "(apt-get install -y chromium; .ci/run does it when it is missing)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="fr-BE")
            page.set_default_timeout(timeout_ms)
            expect.set_options(timeout=timeout_ms)
            yield page
        finally:
            browser.close()


class Steps:
    """``with steps("what the person does"):`` — on failure, the page as it was then, the
    server errors the page was answered meanwhile (the UI shows them only as "Something went
    wrong") and where the servers' ``logs`` are."""

    def __init__(self, page: Page, folder: Path, logs: Sequence[Path] = ()) -> None:
        self.page = page
        self.folder = folder
        self.logs = logs
        self.count = 0
        self.server_errors: list[str] = []
        page.on("response", self._note_server_error)

    def _note_server_error(self, response: Response) -> None:
        if response.status >= 500:
            request = response.request
            self.server_errors.append(f"{response.status} to {request.method} {request.url}")

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.count += 1
        try:
            yield
        except Exception as error:
            error.add_note(f"step {self.count} « {name} » failed: {self._capture(name)}")
            if self.server_errors:
                error.add_note("the server answered: " + "; ".join(self.server_errors))
            if self.logs:
                error.add_note("the servers' logs: " + ", ".join(map(str, self.logs)))
            raise

    def _capture(self, name: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}"
        try:
            self.page.screenshot(path=stem.with_suffix(".png"), full_page=True)
            stem.with_suffix(".html").write_text(self.page.content())
        except Exception as error:  # the page itself may be what broke
            return f"no capture ({type(error).__name__}: {error}), page at {self.page.url}"
        return f"screenshot {stem}.png, HTML {stem}.html, page at {self.page.url}"
