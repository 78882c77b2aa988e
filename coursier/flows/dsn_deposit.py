"""Machine-to-machine deposit of a dossier's DSN, sick-leave signals and FCTU.

Per file: self-check → blocking anomalies: not deposited → SIREN must be the dossier's → M2M off
for the module: "not deposited M2M" → deposit (ledger first) → follow the returns until final
or the time limit (then the scheduled returns control takes over).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Literal

from prefect import flow
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from coursier.connectors.errors import ConnectorError
from coursier.tasks.accounts import AccountUnavailable
from coursier.tasks.dsn_files import check_dsn_files
from coursier.tasks.prefect_guards import DossierBusy, dossier_slot
from coursier.tasks.reporting import close_deposit_run
from coursier.tasks.returns import follow_returns
from coursier.tasks.runs import Run, RunFailed, start_run
from coursier.tasks.sending import DossierSender

FLOW = "dsn-deposit"
Platform = Literal["net-entreprises", "izilio"]


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
        with dossier_queue(run, dossier):
            return _deposit(
                run, dossier, files, inbox, platform, follow_returns_minutes, retry_failed_of
            )
    except (RunFailed, AccountUnavailable, ConnectorError, DossierBusy) as stop:
        return run.fail(str(stop))


def dossier_queue(run: Run, dossier: str) -> AbstractContextManager[object]:
    """A second run of the same dossier waits for this one (a Prefect concurrency limit); the
    store's claims are what keep deposits exactly-once, with or without it."""
    return dossier_slot(FLOW, dossier) if run.settings.queue_per_dossier else nullcontext()


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
    paths = run.paths_to_process(files, inbox, retry_failed_of)
    sender = DossierSender(run, dossier, platform, len(paths))
    results = sender.handle(check_dsn_files(paths))
    if sender.account is not None:
        deposited = [r.deposit_id for r in results if r.state and r.state.in_flight and r.idflux]
        follow_returns(run, sender.account, deposited, seconds=follow_minutes * 60)
    return close_deposit_run(run, dossier.code, results)
