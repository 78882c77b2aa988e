"""PAS: automatic integration of the CRM of a dossier's associations for one DSN month.

Per association (an establishment with a monthly DSN that month, deposited by coursier or
elsewhere): find its CRM nominatif (94), financier (93) and taux sur taux (95), fetching what
the returns control has not stored yet, parse and integrate them (:mod:`coursier.tasks.pas_crm`).
Transfers are retried inside the connector; the associations still cut are tried once more
after ``pas_retry_pause_seconds``, and what still fails is failed: ``retry_failed_of`` (or
``coursier rerun``) redoes only those. A CRM not published yet is "not available yet".

Started from the UI with ``choose_associations``, the run plans the dossier's month, then pauses
on a form ticking each association it found (:mod:`coursier.tasks.pas_choice`): the seed's
screen, where the associations are ticked before the integration.
"""

from __future__ import annotations

import time
from typing import Annotated
from uuid import UUID

from prefect import flow
from prefect.states import State
from pydantic import Field

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
from coursier.tasks.accounts import AccountUnavailable
from coursier.tasks.pas_choice import choose_associations
from coursier.tasks.pas_crm import AssociationResult, integrate_associations
from coursier.tasks.pas_report import publish_pas_screen
from coursier.tasks.pas_sources import plan_run, what_to_integrate

FLOW = "pas-crm"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Field(pattern=MONTH_PATTERN)]


@flow(name=FLOW)
def pas_crm(
    dossier: Annotated[
        optional(str, "Un dossier", "Tous"),
        ask(
            "Dossier",
            "Code du dossier (coursier portfolio list) ; vide : tous ceux qui ont une DSN "
            "mensuelle ce mois-là.",
        ),
    ] = None,
    month: Annotated[
        optional(Month, "Un mois (AAAA-MM)", "Le mois précédent"),
        ask(
            "Mois de dépôt DSN",
            "Le mois déclaré, AAAA-MM (2026-10) ; vide : le mois précédent, celui des DSN "
            "déposées ce mois-ci.",
        ),
    ] = None,
    associations: Annotated[
        optional(list[str], "Des associations (SIRET)", "Toutes"),
        ask(
            "Associations",
            "SIRET des associations du dossier à intégrer ; vide : toutes celles qui ont une "
            "DSN ce mois-là.",
        ),
    ] = None,
    choose_associations: Annotated[
        bool,
        ask(
            "Choisir les associations dans une liste",
            "Pour un dossier : l'exécution s'arrête sur la liste de ses associations du mois, "
            "toutes cochées ; décochez celles à laisser de côté sur la page de l'exécution, "
            "puis « Resume ».",
        ),
    ] = False,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Intégration automatique des CRM PAS (taux, anomalies) des associations, par dossier."""
    run = start_run(FLOW, CoursierSettings(), operator, dossier=dossier)
    try:
        return _integrate(run, dossier, month, associations, choose_associations, retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except (RunFailed, AccountUnavailable) as stop:
        return run.fail(str(stop))


def _integrate(
    run: Run,
    code: str | None,
    month_text: str | None,
    associations: list[str] | None,
    choose: bool,
    retry_failed_of: str | UUID | None,
) -> State:
    retry = run.outcomes_to_retry(retry_failed_of)
    if choose and (code is None or retry is not None):
        raise RunFailed(
            "Choisir les associations demande un dossier, et une exécution normale (pas une "
            "relance des échecs) : indiquez le dossier, ou décochez « Choisir »."
        )
    month, dossiers = what_to_integrate(run, code, month_text, associations, retry)
    plan = plan_run(run, month, dossiers, single=code is not None and retry is None)
    if choose and code is not None and plan.work:
        chosen = choose_associations(run, code, month, plan.work)
        if chosen is None:
            raise RunFailed(
                f"Personne n'a choisi les associations dans les "
                f"{run.settings.review_timeout_seconds // 60} minutes : relancez l'exécution."
            )
        if not chosen:
            return run.finish("Aucune association choisie : rien à intégrer.")
        plan.work = chosen
    if not (plan.work or plan.failed):
        nothing = f"Aucune DSN mensuelle de {month:%m/%Y}"
        if code is None:  # a scheduled run before the month's deposits: nothing to do yet
            return run.finish(f"{nothing} dans le portefeuille : rien à intégrer.")
        raise RunFailed(
            f"{nothing} pour le dossier {code} : déposez-la (flow dsn-deposit) ou attendez "
            "que ses retours soient relevés (dsn-returns)."
        )
    results = integrate_associations(run, plan.work)
    cut = [r.planned for r in results if r.retryable]
    if cut:  # the seed's micro-coupures: once more, after a pause, within this run
        time.sleep(run.settings.pas_retry_pause_seconds)
        again = {r.association.key: r for r in integrate_associations(run, cut)}
        results = [again.get(r.association.key, r) for r in results]
    run.record([*plan.failed, *(r.outcome() for r in results)])
    for shown in dossiers:
        mine = [r for r in results if r.association.dossier == shown]
        publish_pas_screen(shown, month, mine, plan.warnings.get(shown))
    return run.finish(_summary(results, plan.failed))


def _summary(results: list[AssociationResult], failed: list[OutcomeIn]) -> str:
    ok = sum(r.status == "ok" for r in results)
    waiting = sum(r.status == "skipped" for r in results)
    failures = sum(r.status == "failed" for r in results) + len(failed)
    return (
        f"{ok} association(s) intégrée(s), {waiting} CRM pas encore disponible(s), "
        f"{failures} en échec"
    )
