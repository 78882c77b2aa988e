"""The local Prefect server of the demo, the benchmarks and the tests stops with the process
that started it, even one killed outright: a ``kill -9`` of a demo left its server running,
holding its port and its database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

OWNER = """
import sys, time
from pathlib import Path
from coursier.deployments.local_prefect import local_prefect_server
database = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": sys.argv[2]}
with local_prefect_server(Path(sys.argv[1]), settings=database) as api:
    print(api, flush=True)
    time.sleep(600)
"""


def answers(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.long
def test_a_server_whose_owner_is_killed_outright_stops(tmp_path, postgres_url_factory):
    database = postgres_url_factory().replace("postgresql://", "postgresql+asyncpg://", 1)
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path / "prefect"), database],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        api = owner.stdout.readline().strip()  # type: ignore[union-attr]
        assert api.startswith("http://127.0.0.1:"), (tmp_path / "prefect/server.log").read_text()
        assert answers(api)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 30
        while answers(api) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not answers(api)
    finally:
        owner.kill()
        owner.wait()
