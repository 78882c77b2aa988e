"""A local Prefect server for the demo, the benchmarks and the tests, started and stopped
cleanly.

Ephemeral mode prints cancellation errors at exit after large runs; a server of our own, bound
to 127.0.0.1 with the home it is given, does not, and keeps the runs for the UI afterwards. It
inherits this process's environment, so the block encryption key the console script (or the
demo's world) put there: without one, Prefect writes its own key into the server's database.
It dies with the process that started it, even one killed outright (``kill -9`` of a demo
left its server running, holding its port and its database). It starts with the platforms' rate
limits in place, as ``coursier init`` leaves a server: the flows' calls need them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from prefect.logging.handlers import APILogHandler
from prefect.settings import PREFECT_API_URL, temporary_settings

from coursier.connectors.rate_limits import ensure_rate_limits

# ~9 s on a quiet machine; 85 s and more seen with the test suite's servers beside it.
STARTUP_SECONDS = 240
# Asks the kernel for SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG, kept across exec),
# then becomes the server: no preexec_fn, which is unsafe in a process that has threads.
_DIE_WITH_PARENT_THEN_EXEC = (
    "import ctypes, os, signal, sys; "
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


class PrefectServerError(RuntimeError):
    """The local server did not start; its log says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(
    home: Path, port: int, settings: Mapping[str, str] | None = None
) -> dict[str, str]:
    api = f"http://127.0.0.1:{port}/api"
    return {
        **os.environ,
        **(settings or {}),
        "PREFECT_HOME": str(home.resolve()),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }


@contextmanager
def local_prefect_server(
    home: Path, port: int | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Start ``prefect server start`` on 127.0.0.1, point this process at it, stop it after.
    ``settings``: Prefect variables for the server only (its database, say)."""
    port = port or free_port()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    command = [sys.executable, "-c", _DIE_WITH_PARENT_THEN_EXEC, "-m", "prefect", "server"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [*command, "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_environment(home, port, settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(api, process, log_path)
        with temporary_settings(updates={PREFECT_API_URL: api}):
            ensure_rate_limits()
            try:
                yield api
            finally:
                # The runs' last log lines, before the server goes (else "Error logging to API").
                APILogHandler().flush()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(api: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrefectServerError(f"le serveur Prefect s'est arrêté : voir {log_path}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise PrefectServerError(
        f"le serveur Prefect ne répond pas après {STARTUP_SECONDS} s : voir {log_path}"
    )
