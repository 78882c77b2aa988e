"""What a DSN run leaves for people: the deposit control table and its anomalies, and the close
of a deposit run (its summary says which files need someone, and what to do)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from prefect.logging import get_run_logger
from prefect.states import State

from coursier.models.control import ControlRow, anomaly_table
from coursier.models.control_advice import next_step
from coursier.models.deposits import DepositState, run_outcome
from coursier.runkit import Run, publish_summary, publish_table
from coursier.store import OutcomeIn, Store
from coursier.store.ledger import control_table
from coursier.tasks.deposits import FileResult


def dossier_control_rows(store: Store, dossier: str) -> list[ControlRow]:
    """The dossier's control table: one row per declaration, with its detail and history."""
    with store.read() as session:
        return control_table(session, dossier=dossier)


def publish_control_table(store: Store, dossier: str) -> list[ControlRow]:
    """The dossier's deposit control table as a table artifact with a stable key, and beside it
    one line per anomaly of each declaration's latest file (an empty table once all is fixed)."""
    rows = dossier_control_rows(store, dossier)
    publish_table(
        f"dsn-control-{dossier}",
        (row.as_table_row() for row in rows),
        f"Contrôle des DSN du dossier {dossier} : dépôts et comptes-rendus",
    )
    publish_table(
        f"dsn-anomalies-{dossier}",
        anomaly_table(rows),
        f"Anomalies des DSN du dossier {dossier} : autocontrôle et comptes-rendus, par fichier",
    )
    return rows


def close_deposit_run(run: Run, dossier: str, results: list[FileResult]) -> State:
    """Settle each file's outcome from the ledger, audit it, publish the table, end the run."""
    table = publish_control_table(run.store, dossier)
    rows = {file.deposit_id: file for row in table for file in row.files}
    outcomes = [_file_outcome(result, rows.get(result.deposit_id), dossier) for result in results]
    with run.store.begin() as session:  # the outcomes and their audit rows, in one transaction
        run.record_in(session, outcomes)
        for result, outcome in zip(results, outcomes, strict=True):
            run.audit_in(
                session,
                "dsn.deposit",
                dossier=dossier,
                subject=result.sha256 or result.path,
                outcome=outcome.details["state"],
                details={"file": result.name, "message": outcome.message, **result.details()},
            )
    todo = to_do(results, {row.deposit_id: row for row in table}, dossier)
    logger = get_run_logger()
    for line in todo:
        logger.warning("À faire : %s", line)
    states = Counter(outcome.details["state"] for outcome in outcomes)
    publish_summary(
        f"dsn-deposit-{dossier}",
        f"Dépôt DSN — dossier {dossier}",
        (
            f"{r.name} : {o.details['state']} — {o.message}"
            for r, o in zip(results, outcomes, strict=True)
        ),
        states,
        todo=todo,
    )
    counts = ", ".join(f"{count} « {label} »" for label, count in states.items())
    return run.finish(f"{len(results)} fichier(s) du dossier {dossier} : {counts}")


def to_do(results: list[FileResult], latest: dict[int, ControlRow], dossier: str) -> list[str]:
    """The files of this run that need someone, each with what to do: unreadable ones, and
    those whose declaration's latest file is theirs and is not settled on its own."""
    lines = []
    for result in results:
        if result.deposit_id is None and result.error_code == "unreadable-file":
            lines.append(f"{result.name} : illisible — {result.message}")
        row = latest.get(result.deposit_id) if result.deposit_id is not None else None
        lines += rows_to_do([row] if row else [])
    return [*lines, where_to_look(dossier)] if lines else []


def rows_to_do(rows: Iterable[ControlRow]) -> list[str]:
    """One line per declaration whose latest file needs someone: the file, the declaration,
    its state and the next step (:func:`~coursier.models.control_advice.next_step`)."""
    return [
        f"{row.file} ({f'{row.nature} {row.period}'.strip()}, {row.state_label}) : {step}"
        for row in rows
        if (step := next_step(row))
    ]


def where_to_look(dossier: str) -> str:
    """Where the detail behind a dossier's to-do lines is: the commands and the artifact."""
    return (
        f"Détail : `coursier dsn control --dossier {dossier} --detail`, "
        f"`coursier dsn returns show FICHIER` ou l'artefact dsn-anomalies-{dossier}"
    )


def _file_outcome(result: FileResult, row: ControlRow | None, dossier: str) -> OutcomeIn:
    details = {**result.details(), "dossier": dossier}
    if row is None:  # never reached the ledger: unreadable, or still waiting on a look-alike
        state = "illisible" if result.error_code == "unreadable-file" else "en attente"
        return OutcomeIn(
            result.key, "failed", result.error_code, result.message, {**details, "state": state}
        )
    if result.skipped:  # another run holds it: its outcome is that run's
        details = {**details, "state": row.state_label, "idflux": row.idflux}
        return OutcomeIn(result.key, "skipped", None, result.message, details)
    status = run_outcome(DepositState(row.ledger_state), result.kept)
    code = result.error_code or (None if status != "failed" else row.ledger_state)
    details = {**details, "state": row.state_label, "idflux": row.idflux}
    return OutcomeIn(result.key, status, code, row.message or result.message, details)
