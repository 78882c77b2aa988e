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
"""

from __future__ import annotations

import inspect
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
        with prefect.context._temporary_global_settings_context(global_settings):
            yield api
            _drain_workers()
