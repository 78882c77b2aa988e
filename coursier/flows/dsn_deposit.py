"""Machine-to-machine deposit of a dossier's DSN, sick-leave signals and FCTU.

Per file: self-check → blocking anomalies: not deposited → SIREN must be the dossier's → M2M off
for the module: "not deposited M2M" → deposit (ledger first) → follow the returns until final
or the time limit (then the scheduled returns control takes over).
"""

from __future__ import annotations

from typing import Literal

from prefect import flow
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from coursier.connectors.errors import ConnectorError
from coursier.models.deposits import Action
from coursier.tasks.accounts import AccountUnavailable, open_account
from coursier.tasks.deposits import (
    DepositTarget,
    deposit_files,
    plan_files,
    record_decision,
    unreadable,
)
from coursier.tasks.dsn_files import check_dsn_files
from coursier.tasks.reconciling import reconcile_account
from coursier.tasks.reporting import close_deposit_run
from coursier.tasks.returns import follow_returns
from coursier.tasks.runs import Run, RunFailed, start_run

FLOW = "dsn-deposit"
Platform = Literal["net-entreprises", "izilio"]
NEEDS_ACCOUNT = (Action.DEPOSIT, Action.FOLLOW, Action.RECONCILE)


@flow(name=FLOW, task_runner=ThreadPoolTaskRunner(max_workers=4))
def dsn_deposit(
    dossier: str,
    files: list[str] | None = None,
    inbox: str | None = None,
    platform: Platform | None = None,
    follow_returns_minutes: float = 2.0,
    retry_failed_of: str | None = None,
    operator: str | None = None,
) -> State:
    """Dépôt M2M des DSN d'un dossier (Net-Entreprises ou IZILIO) et suivi des retours."""
    run = start_run(FLOW, operator=operator)
    try:
        return _deposit(
            run, dossier, files, inbox, platform, follow_returns_minutes, retry_failed_of
        )
    except (RunFailed, AccountUnavailable, ConnectorError) as stop:
        return run.fail(str(stop))


def _deposit(
    run: Run,
    code: str,
    files: list[str] | None,
    inbox: str | None,
    platform: str | None,
    follow_minutes: float,
    retry_failed_of: str | None,
) -> State:
    dossier = run.dossier(code)
    checked = check_dsn_files(run.paths_to_process(files, inbox, retry_failed_of))
    readable = [c for c in checked if not c.error]
    plans = plan_files(run.store, dossier, readable, run.operator)
    target = DepositTarget(
        dossier.code, platform or dossier.platform, run.operator, run.flow_run_id
    )
    account = None
    if any(plan.action in NEEDS_ACCOUNT for _, plan in plans):
        account = open_account(dossier, platform)
        target = account.target_for(target)
        reconcile_account(run, account)
        plans = plan_files(run.store, dossier, readable, run.operator)
    results = [unreadable(c) for c in checked if c.error]
    results += [
        record_decision(run.store, target, c, p) for c, p in plans if p.action is not Action.DEPOSIT
    ]
    sending = [c for c, plan in plans if plan.action is Action.DEPOSIT]
    if account is not None:
        concurrency = run.settings.deposit_concurrency
        results += deposit_files(run.store, account.client, target, sending, concurrency)
        follow_returns(
            run.store,
            account.client,
            [r.deposit_id for r in results if r.state and r.state.in_flight and r.idflux],
            seconds=follow_minutes * 60,
            poll_seconds=run.settings.follow_poll_seconds,
            concurrency=concurrency,
            aer_folder=run.settings.aer_folder,
            actor=run.actor,
            flow_run_id=run.flow_run_id,
        )
    return close_deposit_run(run, dossier.code, results)
