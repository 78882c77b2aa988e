"""HR sync Securex → Payflip, nightly or on demand (seeds/hr-sync-securex-payflip.txt).

For one company (``company``: its VAT number, however typed) or every dossier synced to
Payflip: activation (the seed's four errors, :mod:`coursier.tasks.hr_activation`), every
Securex employee read and checked, compared with Payflip, and written in batches
(:mod:`coursier.tasks.hr_company`). Each employee gets an outcome, each company a history
line (trigger, status, counts) and its failed employees with what to do, shown as an artifact.
Status: success (every employee), partial (some failed), error (none synced, or activation
failed — for one company the run fails with the seed's message). ``retry_failed_of`` syncs
only the employees (or companies) that failed in that run.
"""

from __future__ import annotations

from typing import Annotated, Literal

from prefect import flow
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
    start_run,
)
from coursier.settings import CoursierSettings
from coursier.tasks.hr_activation import targets, trigger_of_this_run
from coursier.tasks.hr_company import CompanyResult, sync_company
from coursier.tasks.hr_report import publish_company, record_company
from coursier.tasks.leases import Lease

FLOW = "hr-sync"
Trigger = Literal["nightly", "manual"]


@flow(name=FLOW, task_runner=ThreadPoolTaskRunner(max_workers=4))
def hr_sync(
    company: Annotated[
        optional(str, "Une entreprise (numéro de TVA)", "Toutes"),
        ask(
            "Entreprise",
            "Numéro de TVA de l'entreprise (BE0403.170.701) ; vide : toutes celles du "
            "portefeuille synchronisées vers Payflip.",
        ),
    ] = None,
    trigger: Annotated[
        optional(Trigger, "Imposé", "D'après l'exécution"),
        ask(
            "Déclencheur",
            "Ce que l'historique retient : « nightly » (de nuit) ou « manual » (« Synchroniser "
            "maintenant ») ; vide : nightly pour une exécution planifiée, manual sinon.",
        ),
    ] = None,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Synchronisation des employés et de leurs données salariales de Securex vers Payflip."""
    run = start_run(FLOW, CoursierSettings(), operator)
    try:
        retried = None if retry_failed_of is None else str(retry_failed_of)
        return _sync(run, company, trigger or trigger_of_this_run(), retried)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))


def _sync(run: Run, company: str | None, trigger: str, retry_failed_of: str | None) -> State:
    retry = run.outcomes_to_retry(retry_failed_of)
    results: list[CompanyResult] = []
    lease = Lease(run.store, run.flow_run_id, FLOW, seconds=run.settings.claim_lease_seconds)
    with lease:  # while it runs, the creates this run claims are its own
        for target in targets(run, company, retry):
            result = sync_company(run, target)
            record_company(run, result, trigger, retry_failed_of)
            publish_company(result, trigger)
            results.append(result)
    if len(results) == 1 and results[0].error is not None:
        raise RunFailed(results[0].message)
    return run.finish(" ; ".join(r.message for r in results))
