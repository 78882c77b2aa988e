"""The Cegid Flow part of the month-end cycle: dossiers onboarded, then yesterday's changes
watched.

The sandbox's seeded Cegid Loop portfolio: dossiers ready for Flow and dossiers each missing one
prerequisite (no bank account, a bad IBAN or BIC, a general account missing or unlinked, no
bank journal, a head with a bad e-mail or mobile, an initial load that never completes). The
onboarding flow activates the ready ones and names, for each other one, what to fix in Loop.
Then yesterday's change stream of the onboarded dossiers, with 1 % of its messages dropped on
the way to Flow: the watch finds each missing change and replays it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import yaml

from coursier.connectors.cegid_loop import CEGID_LOOP, CegidLoopCredentials
from coursier.connectors.credentials import save
from coursier.deployments.month_end import Cycle, StepResult, report_of, result_of_runs
from coursier.flows.cegid_flow_init import cegid_flow_init
from coursier.flows.cegid_flow_watch import cegid_flow_watch
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.cegid_loop_seed import (
    FIRM_API_KEY,
    FIRM_API_SECRET,
    FIRM_SUBSCRIPTION_KEY,
    portfolio_document,
)
from coursier.store import open_store
from coursier.store.portfolio import import_portfolio

CHANGES_PER_DOSSIER = 400
DROP_RATE = 0.01


def run(cycle: Cycle) -> list[StepResult]:
    text = yaml.safe_dump(portfolio_document(), allow_unicode=True)
    with open_store(cycle.settings.effective_database_url()) as store, store.begin() as session:
        import_portfolio(session, load_portfolio(text, "portefeuille-cegid.yaml", "yaml"))
    save(
        CegidLoopCredentials(
            base_url=cycle.sandbox.url("cegid-loop"),
            api_key=FIRM_API_KEY,
            subscription_key=FIRM_SUBSCRIPTION_KEY,
            api_secret=FIRM_API_SECRET,
        ),
        CEGID_LOOP.platform,
    )
    onboarding = cycle.said(
        "Initialisation des dossiers", cegid_flow_init(operator=cycle.operator, return_state=True)
    )
    report = report_of(onboarding)
    ready = [item.key for item in report.items if item.status == "ok"] if report else []
    loop = cycle.sandbox.state("cegid-loop")
    yesterday = datetime.now(ZoneInfo("Europe/Paris")).date() - timedelta(days=1)
    dropped = sum(
        loop.emit_changes(code, yesterday, CHANGES_PER_DOSSIER, drop_rate=DROP_RATE)
        for code in ready
    )
    cycle.say(
        f"Flux d'hier : {CHANGES_PER_DOSSIER} changements par dossier prêt, {dropped} message(s) "
        "perdu(s) en route vers Flow (panne simulée)"
    )
    watch = cycle.said(
        "Surveillance du flux",
        cegid_flow_watch(day=yesterday, operator=cycle.operator, return_state=True),
    )
    watched = result_of_runs("Cegid Flow — surveillance", [watch])
    waiting = [item.key for item in report.items if item.status == "skipped"] if report else []
    to_complete = (
        [
            f"{len(waiting)} dossier(s) aux prérequis manquants, à compléter dans Loop (artefact "
            "cegid-flow-init) puis relancer cegid-flow-init"
        ]
        if waiting
        else []
    )
    return [
        result_of_runs("Cegid Flow — initialisation", [onboarding], to_complete),
        StepResult(watched.procedure, watched.verdict, watch.message or "—", watched.to_do),
    ]
