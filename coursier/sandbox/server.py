"""Serve the sandbox on loopback from a background thread, for tests, the demo and benchmarks.

    with SandboxServer(seed=3) as sandbox:
        httpx.post(sandbox.url("net-entreprises") + "/authentifier/1.0/", ...)
        sandbox.state("net-entreprises").clock.advance(60)

It serves every platform registered when it is built (:mod:`.registry`), each with its own
state. The server binds 127.0.0.1 only (port 0: a free port; a taken or impossible port is
:class:`PortUnavailable` at ``start``), logs warnings only, and stops with the ``with`` block,
its thread joined.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from coursier.sandbox.app import create_app
from coursier.sandbox.clock import Clock
from coursier.sandbox.documents import ReturnDelays
from coursier.sandbox.faults import Fault, QuietCuts
from coursier.sandbox.registry import SandboxState, ServerSettings, registered

HOST = "127.0.0.1"
MAX_PORT = 65535
BIND_ERRORS = {
    errno.EADDRINUSE: "port déjà pris",
    errno.EACCES: "port réservé : au-dessous de 1024, il faut des droits d'administrateur",
}
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class PortUnavailable(RuntimeError):
    """The port asked for cannot be listened on (taken, out of range, not allowed)."""


class SandboxServer:
    def __init__(
        self,
        seed: int = 0,
        port: int = 0,
        return_delays: ReturnDelays = ReturnDelays(),  # noqa: B008 - frozen dataclass
        token_lifetime_s: int = 3600,
        latency_ms: int = 0,
        answer_backoff_s: float = 0.0,
    ) -> None:
        """``answer_backoff_s``: what every 200's ``Expires`` adds to the sandbox's clock (the
        official platform asks 120 s; 0 by default so that tests and benchmarks never wait)."""
        if answer_backoff_s < 0:
            raise ValueError("le délai d'Expires du bac à sable ne peut être négatif")
        self.seed = seed
        self.clock = Clock()
        settings = ServerSettings(
            seed, self.clock, return_delays, token_lifetime_s, answer_backoff_s
        )
        self.platforms = {p.prefix: p for p in registered()}
        self.states: dict[str, Any] = {
            name: p.new_state(p, settings) for name, p in self.platforms.items()
        }
        self.latency_ms = latency_ms
        self._requested_port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._quiet = QuietCuts()
        self.port: int | None = None
        for state in self.states.values():
            self._apply_latency(state)

    def _apply_latency(self, state: SandboxState) -> None:
        if self.latency_ms:
            state.faults.set(Fault(route="*", latency_ms=self.latency_ms))

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("le bac à sable n'est pas démarré")
        return f"http://{HOST}:{self.port}"

    def url(self, platform: str) -> str:
        """The base URL of one platform (``net-entreprises``, ``izilio`` …)."""
        self._known(platform)
        return f"{self.base_url}/{platform}"

    def state(self, platform: str) -> Any:
        """The state of one platform (for the DSN ones a ``PlatformState``)."""
        self._known(platform)
        return self.states[platform]

    def _known(self, platform: str) -> None:
        if platform not in self.states:
            raise KeyError(f"plateforme inconnue {platform!r} : une de {', '.join(self.states)}")

    def reset(self) -> None:
        """Every platform back to its seeded state (the server-wide latency kept)."""
        for state in self.states.values():
            state.reset()
            self._apply_latency(state)

    def start(self) -> SandboxServer:
        """Bind the port here (a taken or impossible port is :class:`PortUnavailable` at once),
        then serve in a thread."""
        listener = self._listen()
        config = uvicorn.Config(
            create_app([(p, self.states[name]) for name, p in self.platforms.items()]),
            log_level="warning",
            access_log=False,
            lifespan="off",
            date_header=False,  # each platform dates its answers on the sandbox's clock
        )
        self._server = uvicorn.Server(config)
        logging.getLogger("uvicorn.error").addFilter(self._quiet)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, name="sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                listener.close()
                raise RuntimeError(
                    f"le bac à sable n'a pas démarré sur {HOST}:{self._requested_port}"
                )
            time.sleep(0.01)
        self.port = listener.getsockname()[1]
        return self

    def _listen(self) -> socket.socket:
        port = self._requested_port
        if not 0 <= port <= MAX_PORT:
            raise PortUnavailable(
                f"le bac à sable ne peut pas écouter sur le port {port} : un port va de 1 à "
                f"{MAX_PORT} (0 : un port libre)"
            )
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # asyncio disables Nagle only on sockets it made as TCP: without this, every answer
        # waits for the client's delayed ACK (about 40 ms a request).
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            listener.bind((HOST, port))
        except OSError as exc:
            listener.close()
            why = BIND_ERRORS.get(exc.errno, exc.strerror)
            raise PortUnavailable(
                f"le bac à sable ne peut pas écouter sur {HOST}:{port} ({why}) : "
                "choisissez un autre port"
            ) from None
        return listener

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
        logging.getLogger("uvicorn.error").removeFilter(self._quiet)
        self._server = self._thread = None
        self.port = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
