"""What a DSN run leaves for people: the deposit control table, and the close of a deposit run."""

from __future__ import annotations

from collections import Counter

from prefect.states import State

from coursier.models.control import ControlRow, control_rows
from coursier.models.deposits import DepositState, run_outcome
from coursier.runkit import Run, publish_summary, publish_table
from coursier.store import OutcomeIn, Store
from coursier.store.ledger import control_rows as ledger_rows
from coursier.tasks.deposits import FileResult


def dossier_control_rows(store: Store, dossier: str) -> list[ControlRow]:
    with store.begin() as session:
        return control_rows(ledger_rows(session, dossier=dossier))


def publish_control_table(store: Store, dossier: str) -> list[ControlRow]:
    """The dossier's deposit control table as a table artifact with a stable key."""
    rows = dossier_control_rows(store, dossier)
    publish_table(
        f"dsn-control-{dossier}",
        (row.as_table_row() for row in rows),
        f"Contrôle des DSN du dossier {dossier} : dépôts et comptes-rendus",
    )
    return rows


def close_deposit_run(run: Run, dossier: str, results: list[FileResult]) -> State:
    """Settle each file's outcome from the ledger, audit it, publish the table, end the run."""
    rows = {row.deposit_id: row for row in publish_control_table(run.store, dossier)}
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
    states = Counter(outcome.details["state"] for outcome in outcomes)
    publish_summary(
        f"dsn-deposit-{dossier}",
        f"Dépôt DSN — dossier {dossier}",
        (
            f"{r.name} : {o.details['state']} — {o.message}"
            for r, o in zip(results, outcomes, strict=True)
        ),
        states,
    )
    counts = ", ".join(f"{count} « {label} »" for label, count in states.items())
    return run.finish(f"{len(results)} fichier(s) du dossier {dossier} : {counts}")


def _file_outcome(result: FileResult, row: ControlRow | None, dossier: str) -> OutcomeIn:
    details = {**result.details(), "dossier": dossier}
    if row is None:  # never reached the ledger: unreadable, or still waiting on a look-alike
        state = "illisible" if result.error_code == "unreadable-file" else "en attente"
        return OutcomeIn(
            result.path, "failed", result.error_code, result.message, {**details, "state": state}
        )
    if result.skipped:  # another run holds it: its outcome is that run's
        details = {**details, "state": row.state_label, "idflux": row.idflux}
        return OutcomeIn(result.path, "skipped", None, result.message, details)
    status = run_outcome(DepositState(row.ledger_state), result.kept)
    code = result.error_code or (None if status != "failed" else row.ledger_state)
    details = {**details, "state": row.state_label, "idflux": row.idflux}
    return OutcomeIn(result.path, status, code, row.message or result.message, details)
