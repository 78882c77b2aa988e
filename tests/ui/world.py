"""The world the browser drives: a Prefect server with its UI, coursier's deployments served
by ``coursier serve`` beside it, and the sandbox's Securex and Payflip set up as the HR sync
tests set them up (:func:`tests.flows.test_hr_sync.install_world`).

Both servers run in child processes of their own that die with the test process (even on
``kill -9``) and are stopped at the end of the ``with`` block; their logs stay in ``home``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from coursier.deployments.home import world_variables
from coursier.deployments.local_prefect import _DIE_WITH_PARENT_THEN_EXEC, local_prefect_server
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings

SERVE_STARTUP_SECONDS = 180  # a loaded machine (make test, four workers on two cores)
#: How often the served deployments look for runs to start (Prefect's default is 10 s).
POLL_SECONDS = "1"


@dataclass(frozen=True)
class PrefectUi:
    """The UI's address, and the logs of its server and of ``coursier serve``."""

    ui: str
    logs: tuple[Path, ...]


@dataclass(frozen=True)
class HrWorld:
    """The UI, the sandbox its runs sync, and the settings of the store they write in."""

    prefect: PrefectUi
    sandbox: SandboxServer
    settings: CoursierSettings


@contextmanager
def prefect_ui(
    home: Path, coursier_home: Path, server_settings: Mapping[str, str], deployment: str
) -> Iterator[PrefectUi]:
    """``prefect server start`` (its UI on) and ``coursier serve``, both in the world of
    ``coursier_home``, their logs in ``home``; yields once ``deployment`` (``flow/name``) is
    served. This process talks to that API meanwhile."""
    world = world_variables(coursier_home, os.environ)
    settings = {**world, **server_settings}
    server_home, serve_log = home / "prefect-server", home / "serve.log"
    with local_prefect_server(server_home, settings=settings) as api:
        environment = {
            **os.environ,
            **world,
            "PREFECT_API_URL": api,
            "PREFECT_RUNNER_POLL_FREQUENCY": POLL_SECONDS,
        }
        with _coursier_serve(environment, serve_log) as serve:
            _wait_for_deployment(deployment, serve, serve_log)
            yield PrefectUi(api.removesuffix("/api"), (server_home / "server.log", serve_log))


@contextmanager
def _coursier_serve(environment: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    coursier = Path(sys.executable).parent / "coursier"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _DIE_WITH_PARENT_THEN_EXEC, str(coursier), "serve"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_deployment(name: str, serve: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVE_STARTUP_SECONDS
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            if serve.poll() is not None:
                raise RuntimeError(f"coursier serve stopped (exit {serve.returncode}): {log_path}")
            try:
                client.read_deployment_by_name(name)
                return
            except ObjectNotFound:
                time.sleep(0.5)
    raise RuntimeError(f"{name} not served after {SERVE_STARTUP_SECONDS} s: {log_path}")
