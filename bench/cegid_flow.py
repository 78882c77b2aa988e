"""Cegid Flow speed: 200 dossiers of 2,000 entries onboarded, then a watch over 1,000,000
change events with 0.1 % of the messages dropped.

The world: the Cegid Loop sandbox in a child process (``--latency-ms`` on every request, as a
network would add), two portfolios of ``--dossiers`` identical dossiers (``BASE-…`` for the
baseline, ``FLOW-…`` for the flows: onboarding twice the same dossier would find it done), the
firm's credentials for the application. Initial loads complete at the second look.

Baseline: the same steps, one dossier at a time (the flows with ``COURSIER_CEGID_CONCURRENCY=1``,
the seed's screens done dossier after dossier). Then the flows at ``--concurrency``. For the
watch, every dossier of both portfolios gets ``--events`` / ``--dossiers`` events on the same
day, the baseline watches its portfolio, then the flow watches its own. Printed: dossiers/s,
events/s of each, every dropped change found (target: all), and ``speedup: S`` last — the time
of both baseline phases over both flow phases (target S ≥ 8).

    .venv/bin/python bench/cegid_flow.py [--dossiers 200] [--entries 2000] [--events 1000000]
        [--drop-rate 0.001] [--latency-ms 50] [--concurrency 32]
"""

from __future__ import annotations

import os

# Prefect's INFO lines would drown the figures; set before Prefect is first imported.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import logging
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import yaml

from sandbox_process import SandboxProcess

DAY = date(2026, 12, 2)
PLATFORM = "cegid-loop"


def add_dossiers(base_url: str, prefix: str, count: int, entries: int) -> list[str]:
    """``count`` dossiers of ``entries`` entries (two fiscal years) in the sandbox's Loop."""
    codes = [f"{prefix}-{n:04d}" for n in range(count)]
    with httpx.Client(timeout=60) as http:
        for code in codes:
            answer = http.post(
                f"{base_url}/_sandbox/dossiers", json={"code": code, "entries": entries // 2}
            )
            answer.raise_for_status()
    return codes


def install(base_url: str, codes: list[str]) -> None:
    """Both portfolios in the store; the firm's credentials for the application."""
    from coursier.connectors.cegid_loop import CEGID_LOOP, CegidLoopCredentials
    from coursier.connectors.credentials import save
    from coursier.models.portfolio import load_portfolio
    from coursier.sandbox.cegid_loop_seed import (
        FIRM_API_KEY,
        FIRM_API_SECRET,
        FIRM_SUBSCRIPTION_KEY,
        DossierSpec,
        portfolio_document,
    )
    from coursier.settings import CoursierSettings
    from coursier.store import open_store
    from coursier.store.portfolio import import_portfolio

    specs = tuple(DossierSpec(code, f"Dossier {code}") for code in codes)
    text = yaml.safe_dump(portfolio_document(specs), allow_unicode=True)
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        import_portfolio(s, load_portfolio(text, "banc.yaml", "yaml"))
    block = CegidLoopCredentials(
        base_url=base_url,
        api_key=FIRM_API_KEY,
        subscription_key=FIRM_SUBSCRIPTION_KEY,
        api_secret=FIRM_API_SECRET,
    )
    save(block, CEGID_LOOP.platform)


def emit(base_url: str, codes: list[str], per_dossier: int, drop_rate: float) -> int:
    dropped = 0
    with httpx.Client(timeout=600) as http:
        for code in codes:
            body = {
                "dossier": code,
                "day": DAY.isoformat(),
                "count": per_dossier,
                "drop_rate": drop_rate,
            }
            answer = http.post(f"{base_url}/_sandbox/changes", json=body)
            answer.raise_for_status()
            dropped += answer.json()["dropped"]
    return dropped


def timed(run, concurrency: int, sandbox: SandboxProcess, **parameters):
    """A flow run at ``concurrency``: its time, its outcomes' counts, and the CPU seconds this
    process and the sandbox's used meanwhile (the 2 cores are shared: CPU bounds the flows)."""
    from coursier.settings import CoursierSettings
    from coursier.store import open_store, outcomes_of

    os.environ["COURSIER_CEGID_CONCURRENCY"] = str(concurrency)
    box, cpu = sandbox.stats(), time.process_time()
    started = time.perf_counter()
    state = run(return_state=True, **parameters)
    elapsed = time.perf_counter() - started
    used = (
        f"CPU {time.process_time() - cpu:.1f} s here, {(sandbox.stats() - box).cpu:.1f} s sandbox"
    )
    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as s:
        outcomes = outcomes_of(s, str(state.state_details.flow_run_id))
        found = [(o.status, dict(o.details)) for o in outcomes]
    return elapsed, state, found, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--drop-rate", type=float, default=0.001)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    logging.getLogger("coursier.connectors.http").setLevel(logging.ERROR)

    from coursier.deployments.local_prefect import local_prefect_server
    from coursier.flows.cegid_flow_init import cegid_flow_init
    from coursier.flows.cegid_flow_watch import cegid_flow_watch

    with tempfile.TemporaryDirectory(prefix="cegid-bench-") as folder:
        work = Path(folder)
        os.environ["COURSIER_HOME"] = str(work / "home")
        os.environ["COURSIER_CEGID_LOAD_POLL_SECONDS"] = "0.2"
        sandbox = SandboxProcess(latency_ms=args.latency_ms, accounts=[])
        with sandbox, local_prefect_server(work / "prefect"):
            base_url = sandbox.url(PLATFORM)
            baseline_codes = add_dossiers(base_url, "BASE", args.dossiers, args.entries)
            flow_codes = add_dossiers(base_url, "FLOW", args.dossiers, args.entries)
            install(base_url, baseline_codes + flow_codes)
            print(
                f"{args.dossiers} dossiers of {args.entries} entries per portfolio; latency "
                f"{args.latency_ms} ms a request; flows at concurrency {args.concurrency}"
            )

            base_init, state, found, used = timed(
                cegid_flow_init, 1, sandbox, dossiers=baseline_codes
            )
            ready = sum(status == "ok" for status, _ in found)
            print(
                f"baseline init (one dossier at a time): {base_init:.1f} s ({used}), "
                f"{ready} ready, {args.dossiers / base_init:.2f} dossiers/s"
            )
            flow_init, state, found, used = timed(
                cegid_flow_init, args.concurrency, sandbox, dossiers=flow_codes
            )
            ready = sum(status == "ok" for status, _ in found)
            print(
                f"flow init: {flow_init:.1f} s ({used}), {state.name}, {ready} ready, "
                f"{args.dossiers / flow_init:.2f} dossiers/s"
            )

            per_dossier = args.events // args.dossiers
            started = time.perf_counter()
            dropped = emit(base_url, baseline_codes, per_dossier, args.drop_rate)
            dropped += emit(base_url, flow_codes, per_dossier, args.drop_rate)
            events = per_dossier * args.dossiers
            print(
                f"{events} change events per portfolio emitted in "
                f"{time.perf_counter() - started:.1f} s, {dropped} messages dropped in all"
            )

            base_watch, _, found, used = timed(
                cegid_flow_watch, 1, sandbox, day=DAY, dossiers=baseline_codes
            )
            base_missing = sum(d["missing"] for _, d in found)
            print(
                f"baseline watch: {base_watch:.1f} s ({used}), {base_missing} missing found, "
                f"{events / base_watch:,.0f} events/s"
            )
            flow_watch, state, found, used = timed(
                cegid_flow_watch, args.concurrency, sandbox, day=DAY, dossiers=flow_codes
            )
            missing = sum(d["missing"] for _, d in found)
            still = sum(d["still_missing"] for _, d in found)
            lost = _lost_changes(base_url, flow_codes)
            print(
                f"flow watch: {flow_watch:.1f} s ({used}), {state.name}, {missing} missing found "
                f"(sandbox: {lost} changes lost), {still} still missing after replay, "
                f"{events / flow_watch:,.0f} events/s"
            )
            print(f"every dropped change found: {missing == lost and still == 0}")
            print(
                f"init speedup: {base_init / flow_init:.1f}, watch speedup: "
                f"{base_watch / flow_watch:.1f}"
            )
            print(f"speedup: {(base_init + base_watch) / (flow_init + flow_watch):.1f}")


def _lost_changes(base_url: str, codes: list[str]) -> int:
    """The changes of the flow's portfolio that had a message dropped, from the sandbox."""
    with httpx.Client(timeout=60) as http:
        answer = http.get(f"{base_url}/_sandbox/lost", params={"prefix": codes[0][:4]})
        answer.raise_for_status()
        return answer.json()["changes"]


if __name__ == "__main__":
    main()
