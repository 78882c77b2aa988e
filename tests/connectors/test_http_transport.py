"""A connector's client keeps one connection pool per thread (httpcore's shared pool rescans
every connection for every request), and closing the client closes every thread's pool."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from coursier.connectors.http import PerThreadTransport, owned_client


class CountingTransport(httpx.MockTransport):
    def __init__(self) -> None:
        super().__init__(lambda request: httpx.Response(200, text="ok"))
        self.requests = 0
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)

    def close(self) -> None:
        self.closed = True


def test_each_thread_sends_through_its_own_pool_and_close_closes_them_all():
    made: list[CountingTransport] = []

    def new_transport() -> CountingTransport:
        made.append(CountingTransport())
        return made[-1]

    with httpx.Client(transport=PerThreadTransport(new_transport)) as client:
        client.get("http://platform.test/a")
        client.get("http://platform.test/b")
        worker = threading.Thread(target=lambda: client.get("http://platform.test/c"))
        worker.start()
        worker.join()
        assert [t.requests for t in made] == [2, 1]
        assert not any(t.closed for t in made)
    assert all(t.closed for t in made)  # the gone thread's pool too


@contextmanager
def loopback_server() -> Iterator[tuple[str, dict[str, set[int]]]]:
    """An HTTP/1.1 server on 127.0.0.1 that notes, per X-Thread header, the client ports."""
    ports: dict[str, set[int]] = defaultdict(set)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with lock:
                ports[self.headers["X-Thread"]].add(self.client_address[1])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", ports
    finally:
        server.shutdown()
        server.server_close()


def test_over_loopback_each_thread_keeps_one_connection_of_its_own():
    with loopback_server() as (url, ports), owned_client(timeout=10, transport=None) as client:

        def many(name: str) -> None:
            for _ in range(10):
                assert client.get(url, headers={"X-Thread": name}).text == "ok"

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(many, [f"t{i}" for i in range(8)]))
    assert sorted(ports) == [f"t{i}" for i in range(8)]
    assert all(len(used) == 1 for used in ports.values()), ports
    assert len(set().union(*ports.values())) == 8  # no connection shared between threads
