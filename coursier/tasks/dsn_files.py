"""Reading DSN files from disk and self-checking them, before anything is deposited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.errors import ParseError
from coursier.models.dsn.facts import SIGNAL_NATURES, declaration_keys, event_period
from coursier.models.dsn.lines import ENCODING
from coursier.models.dsn.parser import parse
from coursier.runkit import Run, RunFailed

DSN_SUFFIXES = (".dsn", ".txt", ".edi")


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


def collect_files(files: list[str] | None, inbox: str | None) -> list[Path]:
    """The files named, or the DSN files of an inbox folder (sorted, so runs are repeatable)."""
    paths = [Path(f) for f in files or []]
    if inbox:
        folder = Path(inbox)
        if not folder.is_dir():
            raise RunFailed(
                f"Répertoire de dépôt {inbox} introuvable : donnez le chemin d'un répertoire de la "
                "machine qui exécute le flow."
            )
        paths += sorted(p for p in folder.iterdir() if p.suffix.lower() in DSN_SUFFIXES)
    return list(dict.fromkeys(paths))


def files_to_deposit(
    run: Run, files: list[str] | None, inbox: str | None, retry_failed_of: str | UUID | None
) -> list[Path]:
    """The files of a deposit run: the failed ones of an earlier run, or those given."""
    retry = run.outcomes_to_retry(retry_failed_of)
    paths = (
        [Path(details["path"]) for details in retry]
        if retry is not None
        else collect_files(files, inbox)
    )
    if not paths:
        raise RunFailed(
            "Aucun fichier à traiter : donnez des fichiers, un répertoire de dépôt, ou une "
            "exécution dont relancer les échecs."
        )
    return paths


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


@task(name="check-dsn-files", cache_policy=NO_CACHE)
def check_dsn_files(paths: list[Path]) -> list[CheckedFile]:
    """Self-check a batch of DSN files."""
    return [read_and_check(path) for path in paths]
