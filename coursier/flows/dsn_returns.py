"""The scheduled returns control: every return of every declarant account, since the last look.

For each dossier with deposits: settle the deposits of unknown fate, list the account's returns
window by window since the previous run (catching up after a downtime), store the new and the
overwritten ones, update each deposit's state, and collect the AER into a folder per dossier
and month.
"""

from __future__ import annotations

from collections import Counter

from prefect import flow
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from coursier.connectors.errors import ConnectorError
from coursier.store import OutcomeIn
from coursier.store.ledger import dossiers_with_deposits
from coursier.tasks.accounts import AccountUnavailable, open_account
from coursier.tasks.reconciling import reconcile_account
from coursier.tasks.reporting import publish_control_table, publish_summary
from coursier.tasks.returns import collect_account_returns
from coursier.tasks.runs import Run, RunFailed, start_run

FLOW = "dsn-returns"


@flow(name=FLOW, task_runner=ThreadPoolTaskRunner(max_workers=4))
def dsn_returns(
    dossiers: list[str] | None = None,
    retry_failed_of: str | None = None,
    operator: str | None = None,
) -> State:
    """Contrôle des retours : comptes-rendus, CRM et AER des dépôts, depuis le dernier passage."""
    run = start_run(FLOW, operator=operator)
    try:
        codes = _dossiers(run, dossiers, retry_failed_of)
    except RunFailed as stop:
        return run.fail(str(stop))
    outcomes = [_control_dossier(run, code) for code in codes]
    run.record(outcomes)
    states = Counter(o.status for o in outcomes)
    publish_summary(
        "dsn-returns",
        "Contrôle des retours DSN",
        (f"{o.item_key} : {o.message}" for o in outcomes),
        states,
    )
    return run.finish(f"{len(outcomes)} dossier(s) contrôlé(s) : {states['failed']} en échec")


def _dossiers(run: Run, dossiers: list[str] | None, retry_failed_of: str | None) -> list[str]:
    retry = run.outcomes_to_retry(retry_failed_of)
    if retry is not None:
        return [details["dossier"] for details in retry]
    with run.store.begin() as session:
        codes = dossiers or dossiers_with_deposits(session)
    if not codes:
        raise RunFailed("Aucun dépôt à suivre : déposez d'abord des fichiers (flow dsn-deposit).")
    return codes


def _control_dossier(run: Run, code: str) -> OutcomeIn:
    """One dossier's returns control; a failure is this dossier's, never the whole run's."""
    details = {"dossier": code}
    try:
        dossier = run.dossier(code)
        account = open_account(dossier)
        reconcile_account(run, account)
        taken = collect_account_returns(run, account, code)
    except (RunFailed, AccountUnavailable, ConnectorError) as error:
        run.audit("dsn.returns", dossier=code, outcome="failed", details={"error": str(error)})
        return OutcomeIn(code, "failed", type(error).__name__, str(error), details)
    rows = publish_control_table(run.store, code)
    message = (
        f"{taken.with_new_returns} dépôt(s) avec des retours nouveaux, {len(taken.aer)} AER, "
        f"{sum(r.state == 'to_check' for r in rows)} dépôt(s) à contrôler"
    )
    run.audit(
        "dsn.returns", dossier=code, outcome="ok", details={**taken.details(), "message": message}
    )
    return OutcomeIn(code, "ok", None, message, details)
