"""HR sync speed: 100,000 employees, 1 % changed since the last night, 0.1 % failing.

The world: one Belgian company in Securex with ``--employees`` employees, and in Payflip the
same employees as last night's sync left them (both drawn from one seed); since then 1 % got a
raise and 0.1 % have a row Payflip cannot take (no e-mail, no address, a negative salary). The
sandbox runs in a child process, the Prefect server in another.

Baseline: the same sync as a flow with one Prefect task per employee (compare, then write that
one employee), measured on ``--baseline-employees`` and extrapolated per employee to the whole
company. Then the hr-sync flow on the whole company. Printed: both times, the flow's employees
per second and its outcome counts, the process's peak memory (RSS) and its growth during the
flow, and ``speedup: S`` last (targets: the flow under 60 s, S ≥ 20).

    .venv/bin/python bench/hr_sync.py [--employees 100000] [--baseline-employees 2000]
"""

from __future__ import annotations

import os

# Prefect's INFO lines would drown the figures; set before Prefect is first imported.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

import argparse
import multiprocessing
import resource
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

BIG, SMALL = "0477472701", "0417497106"  # two valid Belgian VAT numbers
CHANGED_EVERY, INVALID_EVERY = 100, 1000


def _serve(pipe: Connection) -> None:
    """Child process: the sandbox, until the parent says stop."""
    from coursier.sandbox.server import SandboxServer

    with SandboxServer(seed=11) as server:
        securex = server.state("securex").client
        pipe.send(
            {
                "securex": server.url("securex"),
                "payflip": server.url("payflip"),
                "client": (securex.client_id, securex.client_secret, securex.subscription_key),
                "key": server.state("payflip").api_key,
            }
        )
        pipe.recv()


def fill(urls: dict, vat: str, count: int) -> None:
    """Securex holds ``count`` employees (1 % raised, 0.1 % invalid); Payflip, last night's."""
    with httpx.Client(timeout=300) as http:
        http.post(
            f"{urls['securex']}/_sandbox/companies",
            json={
                "vat": vat,
                "name": f"Banc {vat}",
                "count": count,
                "changed_every": CHANGED_EVERY,
                "invalid_every": INVALID_EVERY,
            },
        ).raise_for_status()
        http.post(
            f"{urls['payflip']}/_sandbox/companies",
            json={"vat": f"BE{vat}", "name": f"Banc {vat}", "synced": count},
        ).raise_for_status()


def install(urls: dict) -> None:
    """The two companies' dossiers, and application-wide credentials for both platforms."""
    from coursier.connectors.credentials import save
    from coursier.connectors.payflip.block import PayflipCredentials
    from coursier.connectors.securex.block import SecurexCredentials
    from coursier.models.portfolio import load_portfolio
    from coursier.settings import CoursierSettings
    from coursier.store import open_store
    from coursier.store.portfolio import import_portfolio

    companies = "".join(
        f"""
      - country: BE
        number: "{vat}"
        name: Banc {vat}
        dossiers:
          - code: BANC_{vat}
            name: Banc {vat}
            platforms: {{hr-sync: payflip}}"""
        for vat in (BIG, SMALL)
    )
    text = f"directories:\n  - code: BANC\n    name: Banc\n    companies:{companies}\n"
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        import_portfolio(s, load_portfolio(text, "banc.yaml", "yaml"))
    client_id, secret, subscription = urls["client"]
    save(
        SecurexCredentials(
            client_id=client_id,
            client_secret=secret,
            subscription_key=subscription,
            base_url=urls["securex"],
        ),
        "securex",
    )
    save(PayflipCredentials(api_key=urls["key"], base_url=urls["payflip"]), "payflip")


def per_employee_flow():
    """The baseline: the same sync, one Prefect task per employee."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner

    from coursier.connectors.credentials import ScopeChain
    from coursier.connectors.payflip.client import PayflipClient
    from coursier.connectors.payflip.kind import PAYFLIP
    from coursier.connectors.securex.client import SecurexClient
    from coursier.connectors.securex.kind import SECUREX
    from coursier.models.hr_employee import WIRE, changes, check, from_record
    from coursier.tasks.hr_reading import payflip_side

    @task(cache_policy=NO_CACHE)
    def sync_one(payflip, company: str, employee, known) -> str:
        if known is None:
            if check(employee, creating=True) is not None:
                return "failed"
            [result] = payflip.create(company, [employee.wire()])
            return "created" if result["status"] == "created" else "failed"
        differing = changes(employee, known[1])
        if not differing:
            return "unchanged"
        if check(employee, creating=False) is not None:
            return "failed"
        fields = {WIRE[f]: getattr(employee, f) for f in differing}
        [result] = payflip.update(company, [{"id": known[0], "fields": fields}])
        return "updated" if result["status"] == "updated" else "failed"

    @flow(name="hr-sync-per-employee", task_runner=ThreadPoolTaskRunner(max_workers=4))
    def baseline(vat: str) -> dict[str, int]:
        chain = ScopeChain(f"banc-{vat}")
        securex = SecurexClient(SECUREX.resolve(chain).block)
        payflip = PayflipClient(PAYFLIP.resolve(chain).block)
        company = payflip.company_by_vat(f"BE{vat}")["id"]
        source = [from_record(r) for page in securex.employees(vat) for r in page]
        current = payflip_side(r for page in payflip.employees(company) for r in page)
        futures = [sync_one.submit(payflip, company, e, current.get(e.number)) for e in source]
        counts: dict[str, int] = {}
        for future in futures:
            outcome = future.result()
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    return baseline


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--baseline-employees", type=int, default=2_000)
    args = parser.parse_args()

    from coursier.deployments.local_prefect import local_prefect_server

    parent, child = multiprocessing.Pipe()
    sandbox = multiprocessing.Process(target=_serve, args=(child,), daemon=True)
    sandbox.start()
    urls = parent.recv()
    with tempfile.TemporaryDirectory(prefix="hr-bench-") as folder:
        work = Path(folder)
        os.environ["COURSIER_HOME"] = str(work / "home")
        with local_prefect_server(work / "prefect"):
            started = time.perf_counter()
            fill(urls, BIG, args.employees)
            fill(urls, SMALL, args.baseline_employees)
            install(urls)
            print(
                f"{args.employees} employees in Securex and Payflip, 1 % changed, 0.1 % failing; "
                f"{args.baseline_employees} for the baseline; set up in "
                f"{time.perf_counter() - started:.1f} s"
            )
            from coursier.flows.hr_sync import hr_sync
            from coursier.settings import CoursierSettings
            from coursier.store import open_store, run_summary

            before = rss_mb()
            started = time.perf_counter()
            state = hr_sync(company=BIG, return_state=True)
            elapsed = time.perf_counter() - started
            peak = rss_mb()
            url = CoursierSettings().effective_database_url()
            with open_store(url) as store, store.read() as session:
                counts = run_summary(session, str(state.state_details.flow_run_id))
            print(
                f"flow hr-sync: {elapsed:.1f} s for {args.employees} employees "
                f"({args.employees / elapsed:,.0f} employees/s), {state.name}: {counts['ok']} ok, "
                f"{counts['failed']} failed — {state.message}"
            )
            print(f"peak memory (RSS): {peak:.0f} MB, {peak - before:+.0f} MB during the flow")

            started = time.perf_counter()
            outcomes = per_employee_flow()(SMALL)
            measured = time.perf_counter() - started
            extrapolated = measured / args.baseline_employees * args.employees
            print(
                f"baseline (one task per employee): {measured:.1f} s for "
                f"{args.baseline_employees} ({outcomes}), {extrapolated:.0f} s extrapolated to "
                f"{args.employees}"
            )
            print(f"flow under 60 s: {'yes' if elapsed < 60 else 'no'}")
            print(f"speedup: {extrapolated / elapsed:.1f}")
    parent.send("stop")
    sandbox.join(10)


if __name__ == "__main__":
    main()
