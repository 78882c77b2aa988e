"""Cegid Flow's continuous sync watched, daily: per active dossier (onboarded ready), Loop's
daily report of changes against what Flow received, the missing replayed with ``partialInit``
(at most 20 days per entity), counts and replays in the ``cegid-flow-watch`` table, a dossier
that keeps missing changes flagged (:mod:`coursier.tasks.cegid_watch`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect import flow
from prefect.states import State

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
from coursier.store import OutcomeIn
from coursier.store.cegid import onboarded
from coursier.tasks.cegid_accounts import LoopAccounts
from coursier.tasks.cegid_dossiers import dossiers_taking_part
from coursier.tasks.cegid_settings import CegidSettings
from coursier.tasks.cegid_watch import WatchResult, watch_dossiers, write_watch
from coursier.tasks.cegid_watch_report import publish_watch_screen

FLOW = "cegid-flow-watch"
PARIS = ZoneInfo("Europe/Paris")
MAX_DAYS = 20
NOT_READY = "pas encore prêt pour Cegid Flow : lancez cegid-flow-init pour ce dossier"


@flow(name=FLOW)
def cegid_flow_watch(
    dossiers: Annotated[
        optional(list[str], "Des dossiers", "Tous les dossiers actifs"),
        ask(
            "Dossiers", "Codes des dossiers ; vide : tous ceux que cegid-flow-init a rendus prêts."
        ),
    ] = None,
    day: Annotated[
        optional(date, "Un jour", "Hier"),
        ask("Jour", "Dernier jour du rapport quotidien à comparer ; vide : hier (heure de Paris)."),
    ] = None,
    days: Annotated[
        int,
        ask(
            "Jours",
            "Combien de jours, jusqu'au jour donné (rattrapage après une panne).",
            ge=1,
            le=MAX_DAYS,
        ),
    ] = 1,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Surveillance quotidienne du flux de changements Cegid Loop → Cegid Flow."""
    run = start_run(FLOW, CoursierSettings(), operator)
    try:
        return _watch(run, CegidSettings(), dossiers, day, days, retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))


def _watch(
    run: Run,
    settings: CegidSettings,
    codes: list[str] | None,
    day: date | None,
    days: int,
    retry_failed_of: str | UUID | None,
) -> State:
    retry = run.outcomes_to_retry(retry_failed_of)
    if retry is not None:
        codes = [item["dossier"] for item in retry]
    last = day or (datetime.now(PARIS).date() - timedelta(days=1))
    watched = [last - timedelta(days=n) for n in reversed(range(days))]
    views, _ = dossiers_taking_part(run, codes)
    with run.store.read() as session:
        active = {row.dossier for row in onboarded(session)}
    inactive = [v.code for v in views if v.code not in active]
    views = [v for v in views if v.code in active]
    run.record(
        OutcomeIn(code, "skipped", "not_ready", NOT_READY, {"dossier": code}) for code in inactive
    )
    if not views:
        return run.finish("Aucun dossier actif à surveiller : lancez d'abord cegid-flow-init.")
    accounts = LoopAccounts(settings.timeout_seconds)
    try:
        resolved = accounts.resolve(views)
        early = [
            WatchResult(c, error=a, error_code="no_credentials")
            for c, a in resolved.items()
            if isinstance(a, str)
        ]
        write_watch(run, early)
        work = [(c, a) for c, a in resolved.items() if not isinstance(a, str)]
        results = early + watch_dossiers(run, settings, work, watched)
    finally:
        accounts.close()
    publish_watch_screen(results)
    skipped = f", {len(inactive)} pas encore prêt(s)" if inactive else ""
    return run.finish(
        f"{len(results)} dossier(s) surveillé(s) du {watched[0]:%d/%m} au {last:%d/%m}, "
        f"{sum(r.missing for r in results)} changement(s) manquant(s), "
        f"{sum(r.still_missing for r in results)} toujours manquant(s), "
        f"{sum(r.flagged for r in results)} signalé(s){skipped}"
    )
