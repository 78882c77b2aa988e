"""A run killed with ``kill -9`` ends Crashed: checked against a real ``prefect server start``.

Not a benchmark: the end-to-end proof of the zombie automation (``coursier.deployments.
automations``), which the tests check against the test harness only. It starts a Prefect
server on 127.0.0.1 (its home in a temporary folder), ensures the automation for a probe flow,
then runs that flow directly in two child processes, as ``coursier dsn deposit`` would. One is
killed with SIGKILL while it beats, the other finishes. The first must become Crashed once the
window has passed; the second must stay Completed.

- default: the child beats with ``emit_flow_run_heartbeat`` every 3 s, window 12 s (~30 s);
- ``--engine``: only Prefect's own engine heartbeat at ``HEARTBEAT_SECONDS`` (30 s), the real
  window of 90 s (~2 min).

    .venv/bin/python bench/zombie_runs.py [--engine]
"""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType

from coursier.deployments.automations import ensure_zombie_automation
from coursier.deployments.local_prefect import local_prefect_server
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS

PROBE = "zombie-probe"
CHILD = """
import sys, threading, time
from prefect import flow
from prefect.runtime import flow_run
from coursier.tasks.prefect_guards import emit_flow_run_heartbeat, flow_heartbeats

@flow(name="zombie-probe")
def probe(seconds: float, beat: bool) -> None:
    run_id = flow_run.get_id()
    if beat:  # what the lease thread does: a heartbeat every few seconds
        def keep_beating():
            while True:
                emit_flow_run_heartbeat(run_id)
                time.sleep(3)
        threading.Thread(target=keep_beating, daemon=True).start()
    print(run_id, flush=True)
    time.sleep(seconds)

with flow_heartbeats():
    probe(float(sys.argv[1]), sys.argv[2] == "beat")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="store_true", help="Prefect's own 30 s heartbeat only")
    args = parser.parse_args()
    heartbeat = HEARTBEAT_SECONDS if args.engine else 4
    beat = "engine" if args.engine else "beat"
    with tempfile.TemporaryDirectory() as home, local_prefect_server(Path(home)) as api:
        print(f"serveur Prefect {api}")
        automation = ensure_zombie_automation([PROBE], heartbeat_seconds=heartbeat)
        print(f"automatisation {automation}, fenêtre {3 * heartbeat} s")
        env = {**os.environ, "PREFECT_API_URL": api}
        killed = start_child(env, 3600, beat)
        finished = start_child(env, 5, beat)
        killed_id, finished_id = read_id(killed), read_id(finished)
        time.sleep(5)  # a few heartbeats
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        dead_at = time.monotonic()
        print(f"kill -9 de {killed_id} ({state_of(killed_id)})")
        finished.wait(timeout=60)
        with get_client(sync_client=True) as client:
            deadline = dead_at + 3 * heartbeat + 60
            while (run := client.read_flow_run(killed_id)).state.type != StateType.CRASHED:
                if time.monotonic() > deadline:
                    sys.exit(f"toujours {run.state.name} {time.monotonic() - dead_at:.0f} s après")
                time.sleep(1)
            print(
                f"{killed_id} : {run.state.name} {time.monotonic() - dead_at:.0f} s après le "
                f"kill — {run.state.message}"
            )
            time.sleep(3 * heartbeat + 10)  # past the window of the finished run's last beat
            print(f"{finished_id} (terminée) : {state_of(finished_id)}")


def start_child(env: dict[str, str], seconds: float, beat: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(seconds), beat],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_id(child: subprocess.Popen[str]) -> UUID:
    assert child.stdout is not None
    return UUID(child.stdout.readline().strip())


def state_of(flow_run_id: UUID) -> str:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state.name


if __name__ == "__main__":
    main()
