"""One process pulling AdminPulse, as a worker's flow run would: ``CALLS`` calls of the firm's
taskflows, in a flow run (``--in-flow``: each call takes a slot of the firm's budget on the
Prefect server of ``PREFECT_API_URL``) or outside any. It says ``ready`` once imported and
starts when its standard input gives ``go``, so that several processes start together.

    python -m tests.connectors.adminpulse_puller URL TOKEN CALLS [--in-flow]
"""

from __future__ import annotations

import sys
import time

from prefect import flow

from coursier.connectors.adminpulse.client import AdminPulseClient
from coursier.connectors.adminpulse.limiter import Pacer


def pull(url: str, token: str, calls: int) -> float:
    """Seconds the ``calls`` took; this process's own pacer out of the way."""
    started = time.perf_counter()
    with AdminPulseClient(url, token=token, pacer=Pacer(per_minute=600_000)) as client:
        for _ in range(calls):
            client.taskflows()
    return time.perf_counter() - started


@flow(name="adminpulse-puller")
def pull_in_flow(url: str, token: str, calls: int) -> float:
    return pull(url, token, calls)


def main() -> None:
    url, token, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = pull_in_flow if "--in-flow" in sys.argv else pull
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")
    print(f"took {run(url, token, calls):.2f}", flush=True)


if __name__ == "__main__":
    main()
