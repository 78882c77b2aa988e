"""Reading DSN files from disk and self-checking them, before anything is deposited."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.runkit import Run, RunFailed
from coursier.tasks.dsn_reading import CheckedFile, read_and_check_all

DSN_SUFFIXES = (".dsn", ".txt", ".edi")


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
        # A lot's declarations share its path: the lot is read again once, and the ledger
        # knows which of its declarations were deposited already.
        list(dict.fromkeys(Path(details["path"]) for details in retry))
        if retry is not None
        else collect_files(files, inbox)
    )
    if not paths:
        raise RunFailed(
            "Aucun fichier à traiter : donnez des fichiers, un répertoire de dépôt, ou une "
            "exécution dont relancer les échecs."
        )
    return paths


@task(name="check-dsn-files", cache_policy=NO_CACHE)
def check_dsn_files(paths: list[Path]) -> list[CheckedFile]:
    """Self-check a batch of DSN files, on every core when they are many."""
    return read_and_check_all(paths)
