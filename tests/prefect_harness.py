"""The tests' Prefect API: coursier's local Prefect server, on a PostgreSQL database.

Prefect's ``prefect_test_harness`` keeps its database in SQLite. Under the parallel run (four
workers on two cores, flows of fifty files) the server's writers starve one another past
SQLite's busy timeout, and the API answers "503 Service Unavailable" to every retry of its
client for a minute: CI saw it on saving a block, on deleting one, on creating a flow run.
PostgreSQL locks rows, not the whole database, and the server starts faster on it.

The server is the demo's (:func:`coursier.deployments.local_prefect.local_prefect_server`:
its log in its home, dead with the test process even on ``kill -9``), run as the harness runs
its own: an ephemeral server (no UI, the services an ephemeral server needs), with the
retryable errors in its log, which Prefect keeps quiet by default.

Prefect builds a new TLS context for every API client it opens, loading certifi's whole bundle
(about 45 ms of CPU each, dozens per flow run: a tenth of the suite's CPU). The tests talk to
it over plain HTTP on loopback; while the API is up, its clients share one context built once
(:func:`coursier.connectors.http.tls_context`, the connectors' own).
"""

from __future__ import annotations

import inspect
import ssl
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EPHEMERAL_SERVER = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_API_LOG_RETRYABLE_ERRORS": "true",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT__SERVER_EPHEMERAL": "1",
}


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
def _one_tls_context_for_prefects_clients() -> Iterator[None]:
    import prefect.client.orchestration as orchestration

    from coursier.connectors.http import tls_context

    def shared(*args: object, **kwargs: object) -> ssl.SSLContext:
        if set(kwargs) == {"cafile"} and not args:  # a verifying client's: never changed after
            return tls_context()
        return ssl.create_default_context(*args, **kwargs)  # one Prefect goes on to loosen

    orchestration.ssl = types.SimpleNamespace(**{**vars(ssl), "create_default_context": shared})
    try:
        yield
    finally:
        orchestration.ssl = ssl


@contextmanager
def prefect_api_on(database_url: str, home: Path) -> Iterator[str]:
    """A Prefect API over ``database_url`` (``postgresql+asyncpg://…``), its home and log in
    ``home``: its URL, set as ``PREFECT_API_URL`` for this thread and the threads it starts."""
    import prefect.context

    from coursier.deployments.local_prefect import local_prefect_server

    database = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url}
    with local_prefect_server(home, settings={**EPHEMERAL_SERVER, **database}) as api:
        # A thread starts with an empty context: it reads the process-wide settings context,
        # which must name this server too.
        global_settings = prefect.context.get_settings_context()
        with (
            prefect.context._temporary_global_settings_context(global_settings),
            _one_tls_context_for_prefects_clients(),
        ):
            yield api
            _drain_workers()
