"""Client import: AdminPulse / Admin IS | Consult → Accounton, with a reviewed diff.

``client-import`` reads both sides (all the clients, or one taskflow's), classifies them
(:mod:`coursier.models.clients_classify`), publishes the plan (artifacts and the plan file),
then — unless asked for the plan only — pauses for the review form in the Prefect UI and
applies the choices. ``client-import-apply`` applies a plan file as the reviewer edited it
(``coursier clients apply``); applying is exactly-once and idempotent
(:mod:`coursier.tasks.clients_apply`): ``retry_failed_of`` redoes the failed items of a run,
from the plan file they were applied from (for ``client-import``, the plan as reviewed, saved
beside the plan as ``…-revu``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID

from prefect import flow
from prefect.states import State

from coursier.models.clients_classify import classify
from coursier.models.clients_plan import ClientPlan, PlanSettings, Source
from coursier.models.clients_plan_file import PlanFileError, read_plan, write_plan
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
from coursier.store.client_import import record_plan
from coursier.tasks.clients_applying import apply_plan, client_import_dossier
from coursier.tasks.clients_pull import PROCEDURE, pull_clients
from coursier.tasks.clients_review import ask_review, plan_path, publish_plan

FLOW = "client-import"
APPLY_FLOW = "client-import-apply"


@flow(name=FLOW)
def client_import(
    dossier: Annotated[
        optional(str, "Un dossier", "Le seul dossier du portefeuille qui importe ses clients"),
        ask("Dossier", "Code du dossier du cabinet (coursier portfolio list)."),
    ] = None,
    source: Annotated[
        optional(Source, "Une source", "Celle du dossier"),
        ask("Source", "AdminPulse ou Admin IS | Consult ; vide : celle du portefeuille."),
    ] = None,
    taskflow: Annotated[
        optional(str, "Un taskflow", "Tous les clients"),
        ask("Taskflow", "N'importer que les clients d'un taskflow (son identifiant)."),
    ] = None,
    mode: Annotated[
        Literal["review", "plan"],
        ask(
            "Déroulement",
            "« review » : l'exécution s'arrête sur le formulaire de revue (langue, "
            "questionnaire, clients à ajouter, champs à écraser), puis applique ; « plan » : "
            "le plan seulement (artefacts et fichier).",
        ),
    ] = "review",
    out: Annotated[
        optional(str, "Un fichier", "Dans le dossier de coursier"),
        ask("Fichier du plan", "Chemin du plan à écrire (.xlsx ou .csv)."),
    ] = None,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Import des clients AdminPulse / Admin IS | Consult dans Accounton, après revue."""
    run = start_run(FLOW, CoursierSettings(), operator, dossier=dossier)
    try:
        if retry_failed_of is not None:  # the plan as reviewed then, its failed items only
            return _apply_file(run, None, None, retry_failed_of)
        return _plan_then_apply(run, dossier, source, taskflow, mode, out)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))


def _plan_then_apply(
    run: Run,
    code: str | None,
    source: str | None,
    taskflow: str | None,
    mode: str,
    out: str | None,
) -> State:
    view = client_import_dossier(run, code)
    run = run.for_dossier(view.code)
    settings = PlanSettings(
        dossier=view.code, source=source or view.platform_for(PROCEDURE), taskflow=taskflow
    )
    sides = pull_clients(view, settings.source, taskflow)
    plan = ClientPlan.of(settings, classify(sides.imported, sides.accounton))
    path = Path(out) if out else plan_path(run.settings, view.code, run.flow_run_id)
    publish_plan(plan, path)
    counts = plan.counts()
    record_plan(
        run.store,
        dossier=view.code,
        source=settings.source,
        taskflow=taskflow,
        flow_run_id=run.flow_run_id,
        counts=counts,
    )
    run.audit("clients.plan_computed", outcome="ok", subject=str(path), details=counts)
    if mode == "plan":
        return run.finish(
            f"Plan écrit : {path} ({counts['new']} nouveau(x), "
            f"{counts['duplicates']} en double, {counts['invalid']} invalide(s))"
        )
    chosen = ask_review(plan, sides.questionnaires, run.settings)
    if chosen is None:
        raise RunFailed(
            f"Personne n'a revu le plan dans les {run.settings.review_timeout_seconds // 60} "
            f"minutes : appliquez-le avec `coursier clients apply {path}` ou relancez."
        )
    reviewed = write_plan(chosen, path.with_stem(f"{path.stem}-revu"))
    run.audit("clients.plan_reviewed", outcome="ok", subject=str(reviewed), details=chosen.counts())
    return run.finish(apply_plan(run, view, chosen, reviewed, None))


@flow(name=APPLY_FLOW)
def client_import_apply(
    plan: Annotated[str, ask("Plan", "Chemin du plan exporté et revu (.xlsx ou .csv).")],
    send_invitations: Annotated[
        optional(bool, "Oui ou non", "Comme le plan le dit"),
        ask("Envoyer les invitations", "Déconseillé : les clients restent « Non envoyé »."),
    ] = None,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Applique un plan d'import de clients revu : ajouts, champs écrasés, invitations."""
    run = start_run(APPLY_FLOW, CoursierSettings(), operator)
    try:
        return _apply_file(run, Path(plan), send_invitations, retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))


def _apply_file(
    run: Run, path: Path | None, send_invitations: bool | None, retry_failed_of: str | UUID | None
) -> State:
    """Apply the plan file ``path`` (None: the one the failed items of ``retry_failed_of``
    were applied from), only those items when retrying."""
    retry = run.outcomes_to_retry(retry_failed_of)
    only = None if retry is None else {d["key"] for d in retry if "key" in d}
    if path is None:
        path = Path(next(d["plan"] for d in retry if "plan" in d))
    try:
        plan = read_plan(path)
    except PlanFileError as error:
        raise RunFailed(str(error)) from None
    if send_invitations is not None:
        plan = plan.choose(send_invitations=send_invitations)
    view = client_import_dossier(run, plan.settings.dossier)
    run = run.for_dossier(view.code)
    return run.finish(apply_plan(run, view, plan, path, only))
