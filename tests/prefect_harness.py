"""The tests' Prefect API: Prefect's own server, on a PostgreSQL database, stopped with us.

Prefect's ``prefect_test_harness`` keeps its database in SQLite. Under the parallel run (four
workers on two cores, flows of fifty files) the server's writers starve one another past
SQLite's busy timeout, and the API answers "503 Service Unavailable" to every retry of its
client for a minute: CI saw it on saving a block, on deleting one, on creating a flow run.
PostgreSQL locks rows, not the whole database, and the server starts faster on it (8 s
instead of 13 s here).

This runs the server the harness runs (uvicorn over ``prefect.server.api.server:create_app``,
as an ephemeral server: no UI, the services an ephemeral server needs), with three
differences: the database; the server's output goes to a log file (with the retryable
errors, which Prefect keeps quiet by default) instead of the terminal of a test worker where
nobody sees it; and the server dies with the process that started it, even killed outright
(``PR_SET_PDEATHSIG``), instead of only at a clean exit.
"""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

# Asks the kernel for SIGTERM when the parent dies (PR_SET_PDEATHSIG, kept across exec), then
# becomes the server: no preexec_fn, which is unsafe in a process that has threads.
_DIE_WITH_PARENT_THEN_EXEC = (
    "import ctypes, os, signal, sys; "
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


_UVICORN = (
    *("-m", "uvicorn", "--factory", "prefect.server.api.server:create_app"),
    *("--host", "127.0.0.1", "--log-level", "error"),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    environment = {
        **os.environ,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_LOG_RETRYABLE_ERRORS": "true",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-c", _DIE_WITH_PARENT_THEN_EXEC, *_UVICORN, "--port", str(port)],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    return server, f"http://127.0.0.1:{port}/api"


def _wait_until_healthy(server: subprocess.Popen[bytes], api: str, timeout: float, log: Path):
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                break
            try:
                if client.get(f"{api}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    server.kill()
    tail = log.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"the tests' Prefect server did not start (log {log}):\n{tail}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _drain_workers() -> None:
    """Send the logs and events still queued before the server stops (as the harness does),
    so that none is posted to a server that is gone."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        try:
            drained = APILogWorker.instance().drain()
            if inspect.isawaitable(drained):
                await drained
        except RuntimeError:  # never started
            pass
        drained = EventsWorker.drain_all()
        if inspect.isawaitable(drained):
            await drained

    run_coro_as_sync(drain())


@contextmanager
def prefect_api_on(database_url: str, log: Path, startup_timeout: float = 60) -> Iterator[str]:
    """A Prefect API over ``database_url`` (``postgresql+asyncpg://…``) for the block: its URL,
    set as ``PREFECT_API_URL`` for this thread and for the threads it starts."""
    import prefect.context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server, api = _start_server(database_url, log)
    with ExitStack() as stack:
        stack.callback(_stop, server)
        _wait_until_healthy(server, api, startup_timeout, log)
        stack.enter_context(temporary_settings({PREFECT_API_URL: api}))
        # A thread starts with an empty context: it reads the process-wide settings context,
        # which must name this server too.
        stack.enter_context(
            prefect.context._temporary_global_settings_context(
                prefect.context.get_settings_context()
            )
        )
        yield api
        _drain_workers()
