"""Reading and self-checking DSN files, on every core when they are many.

No Prefect here: the worker processes of :func:`read_and_check_all` import only this module and
the norm's models, so they start in a fraction of a second. Checking is CPU-bound pure Python:
threads would share one interpreter lock, processes do not.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.errors import ParseError
from coursier.models.dsn.facts import SIGNAL_NATURES, declaration_keys, event_period
from coursier.models.dsn.lines import ENCODING
from coursier.models.dsn.parser import parse

#: Below this many files, starting worker processes costs more than it saves.
POOL_FROM = 32


@dataclass(frozen=True)
class CheckedFile:
    """A file as read and self-checked: what it declares, its hash, its anomalies."""

    path: str
    name: str
    sha256: str = ""
    size: int = 0
    content: bytes = field(default=b"", repr=False)
    error: str | None = None  # why it could not be read at all
    nature: str | None = None
    declaration_type: str | None = None
    siret: str | None = None
    month: date | None = None
    employees: int = 0
    period_start: date | None = None
    period_end: date | None = None
    business_id: str | None = None  # S20.G00.05.009
    order_number: str | None = None  # S20.G00.05.004
    blocking: int = 0
    non_blocking: int = 0
    anomalies: list[dict[str, Any]] = field(default_factory=list)


def read_and_check(path: Path) -> CheckedFile:
    """Read one file and self-check it; a file that cannot be read says why, never raises."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        return CheckedFile(str(path), path.name, error=f"fichier illisible ({exc.strerror or exc})")
    lines = content.decode(ENCODING).splitlines()
    report = check_lines(lines)
    start = end = None
    if report.can_be_deposited and report.nature in SIGNAL_NATURES:
        try:
            start, end = event_period(parse(lines))
        except ParseError:
            start = end = None  # the self-check already judged the file; dates are a nicety
    keys = declaration_keys(lines)
    return CheckedFile(
        path=str(path),
        name=path.name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        nature=report.nature,
        declaration_type=report.type,
        siret=report.siret,
        month=report.month,
        employees=report.employees,
        business_id=keys.business_id,
        order_number=keys.order_number,
        period_start=start,
        period_end=end,
        blocking=report.blocking,
        non_blocking=report.non_blocking,
        anomalies=[a.as_dict() for a in report.anomalies],
    )


def _workers_context() -> BaseContext:
    """Where the workers come from: not a fork of this process, which runs threads (Prefect's,
    the store's) whose locks a child could inherit held; a fork server that has imported only
    this module (and not ``__main__``, which "spawn" would import again in every worker: the
    whole program that called us). "spawn" where there is no fork server (Windows)."""
    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def read_and_check_all(paths: list[Path], processes: int | None = None) -> list[CheckedFile]:
    """:func:`read_and_check` for each path, in order; spread over ``processes`` worker
    processes (the cores this process may use) when there are at least :data:`POOL_FROM`."""
    processes = processes or len(os.sched_getaffinity(0))
    if len(paths) < POOL_FROM or processes < 2:
        return [read_and_check(path) for path in paths]
    with ProcessPoolExecutor(processes, mp_context=_workers_context()) as pool:
        chunk = max(1, len(paths) // (processes * 8))
        return list(pool.map(read_and_check, paths, chunksize=chunk))
