"""The init flow's batch: dossiers onboarded ``concurrency`` at a time, their outcomes and
onboarding rows written as they come, :data:`WRITE_BATCH` per transaction."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.errors import ConnectorError
from coursier.runkit import Progress, Run, artifact_key
from coursier.store.cegid import record_onboardings
from coursier.tasks.cegid_accounts import LoopAccount
from coursier.tasks.cegid_onboarding import DossierResult, Onboarding, activate_firm
from coursier.tasks.cegid_sends import SendHeld, SendUnknown

WRITE_BATCH = 50


def write_results(run: Run, results: list[DossierResult]) -> None:
    """Outcomes and onboarding rows of a batch of dossiers, in one transaction."""
    with run.store.begin() as session:
        run.record_in(session, (r.outcome() for r in results))
        record_onboardings(session, (r.onboarding_row(run) for r in results))


def activate_firms(run: Run, accounts: Iterable[LoopAccount]) -> dict[str, str]:
    """Cegid Flow activated for the firm of each account, once: account key → why not."""
    failed: dict[str, str] = {}
    for account in {a.key: a for a in accounts}.values():
        try:
            activate_firm(run, account)
        except (ConnectorError, SendHeld, SendUnknown) as error:
            failed[account.key] = f"activation de Cegid Flow pour le cabinet impossible : {error}"
    return failed


@task(name="onboard-dossiers", cache_policy=NO_CACHE)
def onboard_dossiers(
    onboarding: Onboarding, work: list[tuple[str, LoopAccount]]
) -> list[DossierResult]:
    """Onboard every (dossier, account) of ``work``; each dossier's result, in order."""
    run = onboarding.run
    workers = min(onboarding.settings.concurrency, max(len(work), 1))
    progress = Progress(artifact_key(run.flow, "progress"), len(work), "Dossiers initialisés")
    results: list[DossierResult] = []
    batch: list[DossierResult] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cegid") as pool:
        for result in pool.map(lambda item: onboarding.dossier(*item), work):
            progress.tick()
            batch.append(result)
            if len(batch) == WRITE_BATCH:
                write_results(run, batch)
                results += batch
                batch = []
    if batch:
        write_results(run, batch)
        results += batch
    return results
