"""PAS: automatic integration of the CRM of a dossier's associations for one DSN month.

Per association (an establishment with a monthly DSN that month, deposited by coursier or
elsewhere): find its CRM nominatif (94), financier (93) and taux sur taux (95), fetching what
the returns control has not stored yet, parse and integrate them (:mod:`coursier.tasks.pas_crm`).
Transfers are retried inside the connector; the associations still cut are tried once more
after ``pas_retry_pause_seconds``, and what still fails is failed: ``retry_failed_of`` (or
``coursier rerun``) redoes only those. A CRM not published yet is "not available yet".
"""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated
from uuid import UUID

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
from coursier.tasks.accounts import AccountUnavailable, open_account
from coursier.tasks.pas_crm import AssociationResult, integrate_associations
from coursier.tasks.pas_report import publish_pas_screen
from coursier.tasks.pas_sources import plan_associations

FLOW = "pas-crm"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@flow(name=FLOW)
def pas_crm(
    dossier: Annotated[
        str, ask("Dossier", "Code du dossier dans le portefeuille (coursier portfolio list).")
    ],
    month: Annotated[
        str, ask("Mois de dépôt DSN", "Le mois déclaré, AAAA-MM (2026-10).", pattern=MONTH_PATTERN)
    ],
    associations: Annotated[
        optional(list[str], "Des associations (SIRET)", "Toutes"),
        ask(
            "Associations",
            "SIRET des associations à intégrer ; vide : toutes celles du dossier qui ont une DSN "
            "ce mois-là.",
        ),
    ] = None,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Intégration automatique des CRM PAS (taux, anomalies) des associations d'un dossier."""
    run = start_run(FLOW, CoursierSettings(), operator, dossier=dossier)
    try:
        return _integrate(run, dossier, month, associations, retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except (RunFailed, AccountUnavailable) as stop:
        return run.fail(str(stop))


def _integrate(
    run: Run,
    code: str,
    month_text: str,
    associations: list[str] | None,
    retry_failed_of: str | UUID | None,
) -> State:
    retry = run.outcomes_to_retry(retry_failed_of)
    if retry is not None:  # the failed associations, of the dossier and month they were of
        code, month_text = retry[0]["dossier"], retry[0]["month"]
        associations = [details["siret"] for details in retry]
    month = parse_month(month_text)
    dossier = run.dossier(code)
    account = open_account(dossier)
    planned, warning = plan_associations(run, account, dossier, month, associations)
    if not planned:
        raise RunFailed(
            f"Aucune DSN mensuelle de {month:%m/%Y} pour le dossier {code} : déposez-la "
            "(flow dsn-deposit) ou attendez que ses retours soient relevés (dsn-returns)."
        )
    results = integrate_associations(run, account, planned)
    cut = [r.planned for r in results if r.retryable]
    if cut:  # the seed's micro-coupures: once more, after a pause, within this run
        time.sleep(run.settings.pas_retry_pause_seconds)
        again = {r.planned: r for r in integrate_associations(run, account, cut)}
        results = [again.get(r.planned, r) for r in results]
    run.record(r.outcome() for r in results)
    publish_pas_screen(dossier.code, month, results, warning)
    return run.finish(_summary(results))


def parse_month(text: str) -> date:
    """``AAAA-MM`` → its first day; :class:`RunFailed` naming the field otherwise."""
    try:
        return date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        raise RunFailed(
            f"Mois {text!r} invalide : écrivez AAAA-MM (par exemple 2026-10)."
        ) from None


def _summary(results: list[AssociationResult]) -> str:
    ok = sum(r.status == "ok" for r in results)
    waiting = sum(r.status == "skipped" for r in results)
    failed = sum(r.status == "failed" for r in results)
    return (
        f"{ok} association(s) intégrée(s), {waiting} CRM pas encore disponible(s), "
        f"{failed} en échec"
    )
