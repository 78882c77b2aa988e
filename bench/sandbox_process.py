"""The sandbox in a child process, that says how many requests it answered and its CPU time.

The platform's own work must not share the measured interpreter's lock; and a floor made of
the platform's CPU and of the requests' latency needs both measured on the platform's side:
the child counts the requests it receives per route (before any fault or latency), and per
platform and second (for the peak calls a minute), and reports them with its
``resource.getrusage`` whenever the parent asks (``stats``).

    sandbox = SandboxProcess(latency_ms=50, accounts=[(declarant, sirets)])
    with sandbox:
        before = sandbox.stats()
        ...
        used = sandbox.stats() - before
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from coursier.deployments.sandbox_world import Declarant


@dataclass(frozen=True)
class SandboxStats:
    """What the sandbox process used and answered, since it started."""

    cpu_user: float
    cpu_system: float
    requests: Counter[str] = field(default_factory=Counter)  # "platform/route" → count
    per_second: Counter[tuple[str, int]] = field(default_factory=Counter)  # (platform, s) → count

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_system

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def peak_per_minute(self, platform: str) -> int:
        """The most requests ``platform`` received in any 60 consecutive seconds."""
        seconds = sorted((s, n) for (p, s), n in self.per_second.items() if p == platform)
        peak = inside = 0
        start = 0
        for second, count in seconds:
            inside += count
            while seconds[start][0] <= second - 60:
                inside -= seconds[start][1]
                start += 1
            peak = max(peak, inside)
        return peak

    def __sub__(self, other: SandboxStats) -> SandboxStats:
        requests, per_second = Counter(self.requests), Counter(self.per_second)
        requests.subtract(other.requests)
        per_second.subtract(other.per_second)
        return SandboxStats(
            self.cpu_user - other.cpu_user,
            self.cpu_system - other.cpu_system,
            +requests,
            +per_second,
        )


class _CountRequests:
    """ASGI middleware: one count per HTTP request, by ``platform/route`` and by platform and
    second, inspection aside."""

    def __init__(self, app: Any, counts: Counter[str], per_second: Counter[tuple[str, int]]):
        self.app = app
        self.counts = counts
        self.per_second = per_second

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            parts = scope["path"].strip("/").split("/")
            if len(parts) >= 2 and parts[1] != "_sandbox":
                self.counts[f"{parts[0]}/{parts[1]}"] += 1
                self.per_second[(parts[0], int(time.time()))] += 1
        await self.app(scope, receive, send)


def _serve(
    pipe: Connection,
    latency_ms: int,
    accounts: list[tuple[Declarant, frozenset[str]]],
) -> None:
    """Child process: the sandbox with the bench's accounts, until the parent says stop."""
    from coursier.deployments.sandbox_world import open_account
    from coursier.models.portfolio.procedures import DSN_PLATFORMS
    from coursier.sandbox import server as server_module
    from coursier.sandbox.documents import ReturnDelays

    counts: Counter[str] = Counter()
    per_second: Counter[tuple[str, int]] = Counter()
    create_app = server_module.create_app
    server_module.create_app = lambda states: _CountRequests(create_app(states), counts, per_second)
    # The bilan at once; CRM and AER much later, so that "final" means the same in every run.
    delays = ReturnDelays(aee=0, bilan=0, crm_nominatif=3600, crm_financier=3600, aer=3600)
    with server_module.SandboxServer(seed=7, return_delays=delays, latency_ms=latency_ms) as box:
        for platform in DSN_PLATFORMS:  # the other platforms have no DSN accounts
            for declarant, sirets in accounts:
                open_account(box, platform, declarant, sirets)
        pipe.send(box.base_url)
        while (command := pipe.recv()) != "stop":
            if command == "stats":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                pipe.send(
                    SandboxStats(
                        usage.ru_utime, usage.ru_stime, Counter(counts), Counter(per_second)
                    )
                )


class SandboxProcess:
    """Start the child on ``with``, stop it after; ``url(platform)``, ``stats()``."""

    def __init__(
        self,
        *,
        latency_ms: int,
        accounts: list[tuple[Declarant, frozenset[str]]],
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, latency_ms, accounts), daemon=True
        )
        self.base_url = ""

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def url(self, platform: str) -> str:
        return f"{self.base_url}/{platform}"

    def stats(self) -> SandboxStats:
        self._pipe.send("stats")
        return self._pipe.recv()

    def __enter__(self) -> SandboxProcess:
        self._process.start()
        self.base_url = self._pipe.recv()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._pipe.send("stop")
        self._process.join(30)
