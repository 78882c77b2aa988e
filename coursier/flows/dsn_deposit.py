"""Machine-to-machine deposit of a dossier's DSN, sick-leave signals and FCTU.

Per file: self-check → blocking anomalies: not deposited → SIREN must be the dossier's → M2M off
for the module: "not deposited M2M" → deposit (ledger first) → follow the returns until final
or the time limit (then the scheduled returns control takes over). The files are sent by the
sender's own bounded pool (``deposit_concurrency``), so the flow needs no task runner.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Annotated
from uuid import UUID

from prefect import flow
from prefect.states import State

from coursier.connectors.errors import ConnectorError
from coursier.models.portfolio import Platform
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
from coursier.tasks.accounts import AccountUnavailable
from coursier.tasks.dsn_files import check_dsn_files, files_to_deposit
from coursier.tasks.prefect_guards import DossierBusy, dossier_slot
from coursier.tasks.reporting import close_deposit_run
from coursier.tasks.returns import follow_returns
from coursier.tasks.sending import DossierSender

FLOW = "dsn-deposit"


@flow(name=FLOW)
def dsn_deposit(
    dossier: Annotated[
        str, ask("Dossier", "Code du dossier dans le portefeuille (coursier portfolio list).")
    ],
    files: Annotated[
        optional(list[str], "Une liste de chemins", "Aucun"),
        ask("Fichiers", "Chemins des fichiers DSN à déposer, sur la machine qui exécute le flow."),
    ] = None,
    inbox: Annotated[
        optional(str, "Un répertoire", "Aucun"),
        ask(
            "Répertoire de dépôt",
            "Un répertoire dont tous les fichiers .dsn, .txt et .edi sont déposés, dans l'ordre "
            "de leurs noms.",
        ),
    ] = None,
    platform: Annotated[
        optional(Platform, "Une plateforme", "Celle du dossier"),
        ask("Plateforme", "Net-Entreprises ou IZILIO ; vide : celle du dossier au portefeuille."),
    ] = None,
    follow_returns_minutes: Annotated[
        float,
        ask(
            "Suivi des retours (minutes)",
            "Combien de temps suivre les retours après les dépôts ; au-delà, le contrôle "
            "planifié des retours prend le relais.",
            ge=0,
            le=120,
        ),
    ] = 2.0,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Dépôt M2M des DSN d'un dossier (Net-Entreprises ou IZILIO) et suivi des retours."""
    run = start_run(FLOW, CoursierSettings(), operator, dossier=dossier)
    try:
        with dossier_queue(run, dossier):
            return _deposit(
                run, dossier, files, inbox, platform, follow_returns_minutes, retry_failed_of
            )
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
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
    retry_failed_of: str | UUID | None,
) -> State:
    dossier = run.dossier(code)
    paths = files_to_deposit(run, files, inbox, retry_failed_of)
    sender = DossierSender(run, dossier, platform, len(paths))
    results = sender.handle(check_dsn_files(paths))
    if sender.account is not None:
        # The ledger says which to follow, not the results: a deposit whose fate was unknown when
        # its file's result was written may have been found at the platform since.
        touched = [r.deposit_id for r in results if r.deposit_id is not None]
        follow_returns(run, sender.account, touched, seconds=follow_minutes * 60)
    return close_deposit_run(run, dossier.code, results)
