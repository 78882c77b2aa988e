"""The scheduled returns control: every return of every declarant account, since the last look.

For each dossier with deposits: settle the deposits of unknown fate, list the account's returns
window by window since the previous run (catching up after a downtime), store the new and the
overwritten ones, update each deposit's state, and collect the AER into a folder per dossier
and month. Accounts are controlled :data:`ACCOUNTS_AT_ONCE` at a time, each by one task that
takes its dossiers one after another (:mod:`coursier.tasks.returns_control`).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated
from uuid import UUID

from prefect import flow, unmapped
from prefect.logging import get_run_logger
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from coursier.runkit import (
    NothingToRetry,
    Operator,
    RetryFailedOf,
    Run,
    RunFailed,
    ask,
    optional,
    publish_summary,
    start_run,
)
from coursier.settings import CoursierSettings
from coursier.store import OutcomeIn
from coursier.store.ledger import dossiers_with_deposits
from coursier.tasks.reporting import where_to_look
from coursier.tasks.returns_control import control_account, open_accounts

FLOW = "dsn-returns"
#: Accounts controlled at once: each lists, downloads and writes on its own.
ACCOUNTS_AT_ONCE = 4


@flow(name=FLOW, task_runner=ThreadPoolTaskRunner(max_workers=ACCOUNTS_AT_ONCE))
def dsn_returns(
    dossiers: Annotated[
        optional(list[str], "Une liste de codes", "Tous"),
        ask("Dossiers", "Codes des dossiers à contrôler ; vide : tous ceux qui ont des dépôts."),
    ] = None,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Contrôle des retours : comptes-rendus, CRM et AER des dépôts, depuis le dernier passage."""
    run = start_run(FLOW, CoursierSettings(), operator)
    try:
        codes = _dossiers(run, dossiers, retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))
    accounts, outcomes = open_accounts(run, codes)
    for controlled in control_account.map(unmapped(run), accounts).result():
        outcomes += controlled
    outcomes.sort(key=lambda o: codes.index(o.item_key))
    run.record(outcomes)
    states = Counter(o.status for o in outcomes)
    todo = to_do(outcomes)
    logger = get_run_logger()
    for line in todo:
        logger.warning("À faire : %s", line)
    publish_summary(
        "dsn-returns",
        "Contrôle des retours DSN",
        (f"{o.item_key} : {o.message}" for o in outcomes),
        states,
        todo=todo,
    )
    return run.finish(f"{len(outcomes)} dossier(s) contrôlé(s) : {states['failed']} en échec")


def to_do(outcomes: list[OutcomeIn]) -> list[str]:
    """What people must do after the control, dossier by dossier: each declaration whose latest
    file needs someone, a dossier whose control failed, and where the detail is."""
    lines = []
    for outcome in outcomes:
        code = outcome.item_key
        if outcome.status == "failed":
            lines.append(
                f"{code} : contrôle en échec — {outcome.message} ; une fois la cause réglée, "
                "relancez les échecs de ce passage (retry_failed_of)"
            )
            continue
        todo = outcome.details.get("todo", [])
        lines += [f"{code} — {line}" for line in todo]
        if todo:
            lines.append(f"{code} — {where_to_look(code)}")
    return lines


def _dossiers(
    run: Run, dossiers: list[str] | None, retry_failed_of: str | UUID | None
) -> list[str]:
    retry = run.outcomes_to_retry(retry_failed_of)
    if retry is not None:
        return list(dict.fromkeys(details["dossier"] for details in retry))
    with run.store.begin() as session:
        codes = dossiers or dossiers_with_deposits(session)
    if not codes:
        raise RunFailed("Aucun dépôt à suivre : déposez d'abord des fichiers (flow dsn-deposit).")
    return list(dict.fromkeys(codes))
