"""What an HR sync leaves behind: per employee an outcome, per company a history line and its
failed employees, and the screens as artifacts.

- ``hr-sync-be<vat>-echecs``: every failed employee, the reason and the action to take (what the
  seed says nobody can see yet);
- ``hr-sync-be<vat>-resume``: the counts, what to do, the status of the company.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from coursier.models.hr_employee import WIRE
from coursier.runkit import Run, publish_summary, publish_table
from coursier.store import OutcomeIn
from coursier.store.hr_sync import HistoryIn, record_failures, record_history
from coursier.tasks.hr_activation import WHOLE
from coursier.tasks.hr_company import CompanyResult

ACTIONS = {
    "created": "créé",
    "reconciled": "créé (confirmé après coupure)",
    "updated": "mis à jour",
    "unchanged": "inchangé",
}
STATUS_LABELS = {"success": "Succès", "partial": "Partiel", "error": "Erreur"}


def outcomes(result: CompanyResult) -> Iterable[OutcomeIn]:
    """One outcome per employee (one for the company when its activation failed)."""
    if result.error is not None:
        error = result.error
        details = {"company": result.vat, WHOLE: error.code.value, "action": error.action}
        yield OutcomeIn(result.key, "failed", error.code.value, str(error), details)
        return
    for done in result.done:
        fields = ", ".join(WIRE[f] for f in done.fields)
        message = ACTIONS[done.action] + (f" ({fields})" if fields else "")
        details = {"company": result.vat, "employee_number": done.number, "action": done.action}
        yield OutcomeIn(f"{result.key}:{done.number}", "ok", None, message, details)
    for status, items in (("failed", result.failures), ("skipped", result.skipped)):
        for item in items:
            details = {
                "company": result.vat,
                "employee_number": item.employee_number,
                "todo": item.action,
            }
            key = f"{result.key}:{item.employee_number}"
            yield OutcomeIn(key, status, item.code, item.message, details)


def record_company(run: Run, result: CompanyResult, trigger: str, retry_of: str | None) -> None:
    """The company's outcomes, history line and failed employees, in one transaction."""
    line = HistoryIn(
        flow_run_id=run.flow_run_id,
        company=result.vat,
        dossier=result.dossier,
        trigger=trigger,
        status=result.status,
        message=result.message,
        started_at=result.started_at,
        created=result.count("created", "reconciled"),
        updated=result.count("updated"),
        unchanged=result.count("unchanged"),
        failed=len(result.failures) + (result.error is not None),
        retry_of=retry_of,
    )
    with run.store.begin() as session:
        run.record_in(session, outcomes(result))
        record_history(session, line)
        record_failures(session, run.flow_run_id, result.vat, result.failures)
        run.audit_in(
            session,
            "hr.sync.company",
            dossier=result.dossier,
            subject=result.key,
            outcome=result.status,
            details={"message": result.message, "trigger": trigger},
        )


def failure_rows(result: CompanyResult) -> list[dict[str, object]]:
    return [
        {
            "Matricule": f.employee_number,
            "Employé": f.name,
            "E-mail": f.email or "",
            "Code": f.code,
            "Raison": f.message,
            "Action": f.action,
        }
        for f in result.failures
    ]


def publish_company(result: CompanyResult, trigger: str) -> None:
    key = f"hr-sync-{result.key}"
    title = f"Synchronisation Securex → Payflip de {result.key} ({trigger})"
    publish_table(f"{key}-echecs", failure_rows(result), f"{title} : employés en échec")
    todo = [f"{f.employee_number} {f.name} : {f.action}" for f in result.failures]
    if result.error is not None:
        todo.insert(0, result.error.action)
    states = Counter({STATUS_LABELS[result.status]: 1})
    lines = [result.message] + [f"{f.employee_number} : {f.message}" for f in result.failures]
    publish_summary(f"{key}-resume", title, lines, states, todo)
