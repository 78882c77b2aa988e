"""Where a flow run's time goes, from inside the bench's process (``dsn_deposit.py --trace``).

Wrapped at runtime, nothing of the product changed: every store transaction (``Store.begin``)
counted and timed by the coursier function that opened it and the kind of thread (main, deposit
pool, follow pool), with the time spent waiting for SQLite's write lock (``BEGIN IMMEDIATE``);
every call to the Prefect API by method and path; every ``time.sleep`` called from coursier.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_SKIP = ("contextlib.py", "coursier/store/database.py", "bench/tracing.py")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Figure:
    count: int = 0
    seconds: float = 0.0
    waited: float = 0.0  # of which: waiting for the write lock

    def add(self, seconds: float, waited: float = 0.0) -> None:
        self.count += 1
        self.seconds += seconds
        self.waited += waited


@dataclass
class Trace:
    store: dict[tuple[str, str], Figure] = field(default_factory=lambda: defaultdict(Figure))
    api: dict[str, Figure] = field(default_factory=lambda: defaultdict(Figure))
    sleeps: dict[str, Figure] = field(default_factory=lambda: defaultdict(Figure))
    calls: dict[str, Figure] = field(default_factory=lambda: defaultdict(Figure))
    on: bool = False
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> None:
        """Wrap the store, the Prefect client and ``time.sleep`` (once per process)."""
        from prefect.client import base

        from coursier.store import database

        trace = self
        original_begin = database.Store.begin.__wrapped__  # type: ignore[attr-defined]

        @contextmanager
        def begin(store: Any) -> Iterator[Any]:
            if not trace.on:
                yield from original_begin(store)
                return
            trace._local.waited = 0.0
            started = time.perf_counter()
            try:
                yield from original_begin(store)
            finally:
                seconds = time.perf_counter() - started
                key = (_caller(), _pool())
                with trace._lock:
                    trace.store[key].add(seconds, getattr(trace._local, "waited", 0.0))

        database.Store.begin = begin  # type: ignore[method-assign]

        original_immediate = database._begin_immediate

        def begin_immediate(connection: Any) -> None:
            started = time.perf_counter()
            original_immediate(connection)
            trace._local.waited = getattr(trace._local, "waited", 0.0) + (
                time.perf_counter() - started
            )

        database._begin_immediate = begin_immediate

        async_send = base.PrefectHttpxAsyncClient.send
        sync_send = base.PrefectHttpxSyncClient.send

        async def send_async(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await async_send(client, request, *args, **kwargs)
            finally:
                trace._api(request, time.perf_counter() - started)

        def send_sync(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return sync_send(client, request, *args, **kwargs)
            finally:
                trace._api(request, time.perf_counter() - started)

        base.PrefectHttpxAsyncClient.send = send_async  # type: ignore[method-assign]
        base.PrefectHttpxSyncClient.send = send_sync  # type: ignore[method-assign]

        sleep = time.sleep

        def traced_sleep(seconds: float) -> None:
            caller = sys._getframe(1)
            if trace.on and "coursier/" in caller.f_code.co_filename:
                name = f"{_module(caller.f_code.co_filename)}.{caller.f_code.co_name}"
                with trace._lock:
                    trace.sleeps[name].add(seconds)
            sleep(seconds)

        time.sleep = traced_sleep

        from coursier.tasks import reconciling, sending

        self._time(reconciling.Reconciler, "__call__", "reconcile (Reconciler.__call__)")
        self._time(reconciling, "identify", "reconcile: identify a listed deposit (its bilan)")
        self._time(sending._Dispatch, "_launch", "dispatch: _launch (claims)")

    def _time(self, owner: Any, name: str, label: str) -> None:
        """Count and time calls to ``owner.name`` under ``label``."""
        original = getattr(owner, name)
        trace = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if trace.on:
                    with trace._lock:
                        trace.calls[label].add(time.perf_counter() - started)

        setattr(owner, name, timed)

    def _api(self, request: Any, seconds: float) -> None:
        if self.on:
            path = _ID.sub("{id}", request.url.path.split("/api", 1)[-1])
            with self._lock:
                self.api[f"{request.method} {path}"].add(seconds)

    def clear(self) -> None:
        self.calls.clear()
        self.store.clear()
        self.api.clear()
        self.sleeps.clear()

    def lines(self, top: int = 14) -> list[str]:
        out = []
        total = Figure()
        for figure in self.store.values():
            total.count += figure.count
            total.seconds += figure.seconds
            total.waited += figure.waited
        out.append(
            f"  store: {total.count} transactions, {total.seconds:.1f} s inside them "
            f"(of which {total.waited:.1f} s waiting for the write lock), by opener and thread:"
        )
        ranked = sorted(self.store.items(), key=lambda item: -item[1].seconds)
        for (caller, pool), f in ranked[:top]:
            out.append(
                f"    {f.count:5d} × {1000 * f.seconds / f.count:6.1f} ms = {f.seconds:5.1f} s"
                f" (lock {f.waited:4.1f} s)  {caller} [{pool}]"
            )
        calls = sum(f.count for f in self.api.values())
        seconds = sum(f.seconds for f in self.api.values())
        out.append(f"  Prefect API: {calls} calls, {seconds:.1f} s (summed over threads):")
        for name, f in sorted(self.api.items(), key=lambda item: -item[1].seconds)[:8]:
            out.append(f"    {f.count:5d} × {1000 * f.seconds / f.count:6.1f} ms  {name}")
        out.append("  calls:")
        for name, f in self.calls.items():
            each = 1000 * f.seconds / f.count
            out.append(f"    {f.count:5d} × {each:6.1f} ms = {f.seconds:5.1f} s  {name}")
        if self.sleeps:
            out.append("  sleeps in coursier:")
            for name, f in sorted(self.sleeps.items(), key=lambda item: -item[1].seconds):
                each = f.seconds / f.count
                out.append(f"    {f.count:5d} × {each:5.2f} s = {f.seconds:.1f} s  {name}")
        return out


def _module(filename: str) -> str:
    return filename.rsplit("coursier/", 1)[-1].removesuffix(".py").replace("/", ".")


def _caller() -> str:
    """The coursier function that opened the transaction, and the one that called it."""
    frame = sys._getframe(1)
    names = []
    while frame is not None and len(names) < 2:
        filename = frame.f_code.co_filename
        if "coursier/" in filename and not filename.endswith(_SKIP):
            names.append(f"{_module(filename)}.{frame.f_code.co_name}")
        frame = frame.f_back
    return " ← ".join(names) or "?"


def _pool() -> str:
    name = threading.current_thread().name
    return name.split("_", 1)[0] if "_" in name else name


class CpuProfile:
    """cProfile of the main thread and of the threads started during the run (the deposit and
    follow pools), each on its own CPU clock (``time.thread_time``): where the flow process's
    CPU goes, GIL waits and sleeps left out. Threads still alive at ``stop()`` (Prefect's
    background workers) are left out."""

    def __init__(self) -> None:
        import cProfile

        self._new = lambda: cProfile.Profile(time.thread_time)
        self._profiles: list[Any] = []
        self._main: Any = None
        self._run: Any = None

    def start(self) -> None:
        profiles, new = self._profiles, self._new
        run = self._run = threading.Thread.run

        def profiled_run(thread: threading.Thread) -> None:
            profile = new()
            profiles.append((thread, profile))
            profile.runcall(run, thread)

        threading.Thread.run = profiled_run  # type: ignore[method-assign]
        self._main = new()
        self._main.enable()

    def stop(self, path: str) -> Any:
        import pstats

        self._main.disable()
        threading.Thread.run = self._run  # type: ignore[method-assign]
        stats = pstats.Stats(self._main)
        for thread, profile in self._profiles:
            if not thread.is_alive():  # Prefect's own threads live on: left out (little CPU)
                stats.add(profile)
        stats.dump_stats(path)
        return stats
