"""Reading and self-checking DSN files, on every core when they are many.

A lot (several DSN in one file, norme de lot V01R02) becomes one checked file per declaration:
its exact bytes in the lot, deposited as a flux of its own; the lot's envelope anomalies count
against each of them (a broken envelope is a lot cut short or mangled: fix the lot first).

No Prefect here: the worker processes of :func:`read_and_check_all` (``process_pool``) import
only this module and the norm's models, so they start in a fraction of a second. Checking is
CPU-bound pure Python: threads would share one interpreter lock, processes do not.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.checks.checker import CheckReport, in_file_order
from coursier.models.dsn.checks.lot import LotReport, check_document
from coursier.models.dsn.errors import ParseError, UnreadableFile
from coursier.models.dsn.facts import SIGNAL_NATURES, declaration_keys, event_period
from coursier.models.dsn.lines import ENCODING
from coursier.models.dsn.lots import LotPlace, split_lot
from coursier.models.dsn.parser import parse
from coursier.tasks.process_pool import map_in_workers

#: Below this many files, starting worker processes costs more than it saves.
POOL_FROM = 32


@dataclass(frozen=True)
class CheckedFile:
    """A file as read and self-checked: what it declares, its hash, its anomalies."""

    path: str
    name: str  # a lot's declaration: "<lot file> · DSN <position>/<count>"
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
    lot: LotPlace | None = None  # where the declaration stands in its lot file

    @property
    def item(self) -> str:
        """The run's key for it (its outcome): the path, and a lot's declaration its rank."""
        return f"{self.path}#{self.lot.position}" if self.lot else self.path


def read_and_check(path: Path) -> list[CheckedFile]:
    """Read one file and self-check it: one checked file, or one per declaration of a lot. A
    file that cannot be read, or whose bytes are no DSN text, says why; never raises."""
    try:
        content = path.read_bytes()
        report = check_document(io.BytesIO(content))
    except OSError as exc:
        return [
            CheckedFile(str(path), path.name, error=f"fichier illisible ({exc.strerror or exc})")
        ]
    except UnreadableFile as exc:
        return [CheckedFile(str(path), path.name, error=f"fichier illisible : {exc}")]
    if isinstance(report, CheckReport):
        return [_checked(path, path.name, content, report, None, [])]
    return _lot_declarations(path, content, report)


def _lot_declarations(path: Path, content: bytes, report: LotReport) -> list[CheckedFile]:
    """The declarations of a lot, each with its own report and the envelope's anomalies; the
    cut and the check follow one rule (``models.dsn.lots``), so they pair one to one."""
    count = len(report.declarations)
    return [
        _checked(
            path,
            f"{path.name} · DSN {d.place.position}/{count}",
            cut.data,
            d.report,
            d.place,
            report.anomalies,
        )
        for cut, d in zip(split_lot(content), report.declarations, strict=True)
    ]


def _checked(
    path: Path,
    name: str,
    content: bytes,
    report: CheckReport,
    lot: LotPlace | None,
    envelope: list[Anomaly],
) -> CheckedFile:
    lines = content.decode(ENCODING).splitlines()
    start = end = None
    if report.nature in SIGNAL_NATURES:  # blocked too: its corrected file replaces its row
        try:
            start, end = event_period(parse(lines))
        except ParseError:
            start = end = None  # the self-check already judged the file; dates are a nicety
    keys = declaration_keys(lines)
    anomalies = sorted([*envelope, *report.anomalies], key=in_file_order)
    blocking = sum(a.is_blocking for a in anomalies)
    return CheckedFile(
        path=str(path),
        name=name,
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
        blocking=blocking,
        non_blocking=len(anomalies) - blocking,
        anomalies=[a.as_dict() for a in anomalies],
        lot=lot,
    )


def read_and_check_all(paths: list[Path], processes: int | None = None) -> list[CheckedFile]:
    """:func:`read_and_check` for each path, in order (a lot's declarations in their order);
    spread over ``processes`` worker processes (the cores this process may use) when there are
    at least :data:`POOL_FROM` files."""
    processes = processes or len(os.sched_getaffinity(0))
    if len(paths) < POOL_FROM or processes < 2:
        return [checked for path in paths for checked in read_and_check(path)]
    chunk = max(1, len(paths) // (processes * 8))
    found = map_in_workers(f"{__name__}:read_and_check", paths, processes, chunk)
    return [checked for per_file in found for checked in per_file]
