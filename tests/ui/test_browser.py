"""A failed step of a browser scenario leaves the page as it was (screenshot and HTML) in a
folder that the failure names, with the server errors the page met; a step that passes leaves
nothing."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from tests.ui.browser import Steps, chromium_page


class _Broken(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b"<h1>Service Unavailable</h1>")

    def log_message(self, *args: object) -> None:
        pass


def test_a_failed_step_leaves_the_page_and_names_it(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    Thread(target=server.serve_forever, daemon=True).start()
    folder = tmp_path / "screenshots"
    try:
        with chromium_page(10_000) as page:
            steps = Steps(page, folder, logs=[tmp_path / "server.log"])
            with steps("open the page"):
                page.goto(f"http://127.0.0.1:{server.server_port}/deployments")
            assert not folder.exists()
            with pytest.raises(AssertionError) as failed, steps("find what is not there"):
                raise AssertionError("no such table")
    finally:
        server.shutdown()
        server.server_close()
    png, html = folder / "02-find-what-is-not-there.png", folder / "02-find-what-is-not-there.html"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "Service Unavailable" in html.read_text()
    notes = "\n".join(failed.value.__notes__)
    assert f"screenshot {png}" in notes
    assert f"HTML {html}" in notes
    assert f"503 to GET http://127.0.0.1:{server.server_port}/deployments" in notes
    assert str(tmp_path / "server.log") in notes
