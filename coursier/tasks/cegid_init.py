"""The init flow's batch: dossiers onboarded ``concurrency`` at a time, their outcomes and
onboarding rows written as they come, :data:`WRITE_BATCH` per transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
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
#: How long a run waits for another run's activation of the firm, and how often it looks.
FIRM_WAIT_SECONDS = 60.0
FIRM_POLL_SECONDS = 0.5


def write_results(run: Run, results: list[DossierResult]) -> None:
    """Outcomes and onboarding rows of a batch of dossiers, in one transaction."""
    with run.store.begin() as session:
        run.record_in(session, (r.outcome() for r in results))
        record_onboardings(session, (r.onboarding_row(run) for r in results))


def activate_firms(
    run: Run,
    accounts: Iterable[LoopAccount],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, str]:
    """Cegid Flow activated for the firm of each account, once: account key → why not.

    Every dossier of the firm needs it: while another run is activating it, this one waits
    (up to :data:`FIRM_WAIT_SECONDS`) for that run's answer instead of failing every dossier.
    """
    failed: dict[str, str] = {}
    for account in {a.key: a for a in accounts}.values():
        deadline = clock() + FIRM_WAIT_SECONDS
        while True:
            try:
                activate_firm(run, account)
            except SendHeld as held:
                if clock() < deadline:
                    sleep(FIRM_POLL_SECONDS)
                    continue
                failed[account.key] = _firm_failed(held)
            except (ConnectorError, SendUnknown) as error:
                failed[account.key] = _firm_failed(error)
            break
    return failed


def _firm_failed(error: Exception) -> str:
    return f"activation de Cegid Flow pour le cabinet impossible : {error}"


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
