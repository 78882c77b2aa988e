"""Cegid Flow onboarding of a portfolio of dossiers through Cegid Loop (the seed's three
screens, ``seeds/cegid-flow-init.txt``), with the prerequisites checklist automated.

Per dossier (:mod:`coursier.tasks.cegid_onboarding`): prerequisites checked (missing ones skip
it with the exact list of what to fix), Cegid Flow activated for the firm (once per Loop
account) and the dossier, the company head created or updated as a validated contact, the
service proposed to that contact, the initial load verified (N-1, N, N+1) with the invitation
e-mail, the DSP2 accounts listed with the step still to do. Ready / prerequisites missing /
failed per dossier in the ``cegid-flow-init`` table; ``retry_failed_of`` redoes the failed.
"""

from __future__ import annotations

from typing import Annotated, Literal
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
from coursier.tasks.cegid_accounts import LoopAccounts
from coursier.tasks.cegid_dossiers import dossiers_taking_part
from coursier.tasks.cegid_init import activate_firms, onboard_dossiers, write_results
from coursier.tasks.cegid_init_report import publish_init_screen
from coursier.tasks.cegid_onboarding import DossierResult, Onboarding, Protocol
from coursier.tasks.cegid_settings import CegidSettings

FLOW = "cegid-flow-init"


@flow(name=FLOW)
def cegid_flow_init(
    dossiers: Annotated[
        optional(list[str], "Des dossiers", "Tous ceux qui prennent part à cegid-flow"),
        ask(
            "Dossiers",
            "Codes des dossiers (un ou plusieurs) ; vide : tout le portefeuille "
            "qui prend part à cegid-flow.",
        ),
    ] = None,
    protocols: Annotated[
        optional(dict[str, Literal["CFONB", "DSP2"]], "Par compte (IBAN)", "Ceux de Loop"),
        ask(
            "Protocole de collecte",
            "Protocole de collecte des relevés par compte bancaire, "
            "IBAN → CFONB ou DSP2 ; vide : celui que Loop indique.",
        ),
    ] = None,
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Initialisation de Cegid Flow pour des dossiers Cegid Loop (prérequis, activation,
    interlocuteur, service, chargement initial)."""
    run = start_run(FLOW, CoursierSettings(), operator)
    try:
        return _init(run, CegidSettings(), dossiers, protocols or {}, retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))


def _init(
    run: Run,
    settings: CegidSettings,
    codes: list[str] | None,
    protocols: dict[str, Protocol],
    retry_failed_of: str | UUID | None,
) -> State:
    retry = run.outcomes_to_retry(retry_failed_of)
    if retry is not None:
        codes = [item["dossier"] for item in retry]
    views, not_taking_part = dossiers_taking_part(run, codes)
    early = [DossierResult(code, "failed", why, "not_taking_part") for code, why in not_taking_part]
    accounts = LoopAccounts(settings.timeout_seconds)
    try:
        resolved = accounts.resolve(views)
        early += [
            DossierResult(c, "failed", a, "no_credentials")
            for c, a in resolved.items()
            if isinstance(a, str)
        ]
        work = [(c, a) for c, a in resolved.items() if not isinstance(a, str)]
        firm_failed = activate_firms(run, [a for _, a in work])
        early += [
            DossierResult(c, "failed", firm_failed[a.key], "firm_activation")
            for c, a in work
            if a.key in firm_failed
        ]
        write_results(run, early)
        work = [(c, a) for c, a in work if a.key not in firm_failed]
        results = onboard_dossiers(Onboarding(run, settings, protocols), work)
    finally:
        accounts.close()
    every = early + results
    publish_init_screen(every)
    counts = {
        s: sum(r.status == s for r in every) for s in ("ready", "prerequisites_missing", "failed")
    }
    return run.finish(
        f"{counts['ready']} dossier(s) prêt(s), {counts['prerequisites_missing']} aux prérequis "
        f"manquants, {counts['failed']} en échec"
    )
