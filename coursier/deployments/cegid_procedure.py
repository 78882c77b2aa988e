"""The Cegid Flow procedure: onboarding dossiers onto Cegid Flow through Cegid Loop (on
demand), then watching the change stream daily, after Loop's nightly report is out."""

from __future__ import annotations

from coursier.deployments.registry import (
    PARIS,
    CliGroup,
    DeploymentSpec,
    MonthEndStep,
    Noun,
    Procedure,
    ProcedureFlow,
    Schedule,
    register,
)

#: 06:30 every day: the daily report lists the changes of the day before.
WATCH_CRON = "30 6 * * *"

PROCEDURE = register(
    Procedure(
        name="cegid-flow",
        flows=(
            ProcedureFlow(
                "cegid-flow-init",
                "coursier.flows.cegid_flow_init:cegid_flow_init",
                Noun("dossier", "dossiers"),
                (
                    DeploymentSpec(
                        "cegid-flow-init",
                        "Initialisation de Cegid Flow pour des dossiers Cegid Loop : prérequis, "
                        "activation, interlocuteur, service, chargement initial.",
                        tags=("cegid", "flow"),
                    ),
                ),
            ),
            ProcedureFlow(
                "cegid-flow-watch",
                "coursier.flows.cegid_flow_watch:cegid_flow_watch",
                Noun("dossier", "dossiers"),
                (
                    DeploymentSpec(
                        "cegid-flow-watch",
                        "Surveillance quotidienne du flux de changements Cegid Loop → Cegid "
                        "Flow : rapport quotidien comparé, manquants rejoués (partialInit).",
                        tags=("cegid", "flow"),
                        schedules=(Schedule(WATCH_CRON, PARIS),),
                    ),
                ),
            ),
        ),
        cli=CliGroup(
            "cegid",
            "coursier.deployments.cegid_cli:app",
            "Cegid Flow : initialisation des dossiers Cegid Loop, surveillance du flux.",
        ),
        month_end=MonthEndStep(
            60,
            "Cegid Flow : initialisation et surveillance",
            "coursier.deployments.cegid_month_end:run",
        ),
    )
)
