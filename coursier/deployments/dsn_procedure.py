"""The DSN procedure: deposit machine-to-machine, then the scheduled returns control."""

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

#: Every 15 minutes during office hours, Monday to Saturday (returns come in the day).
RETURNS_CONTROL_CRON = "*/15 7-20 * * 1-6"

PROCEDURE = register(
    Procedure(
        name="dsn",
        flows=(
            ProcedureFlow(
                "dsn-deposit",
                "coursier.flows.dsn_deposit:dsn_deposit",
                Noun("fichier", "fichiers"),
                (
                    DeploymentSpec(
                        "dsn-deposit",
                        "Dépôt M2M des DSN, signalements et FCTU d'un dossier, suivi des retours.",
                        tags=("dsn", "m2m"),
                    ),
                ),
            ),
            ProcedureFlow(
                "dsn-returns",
                "coursier.flows.dsn_returns:dsn_returns",
                Noun("dossier", "dossiers"),
                (
                    DeploymentSpec(
                        "dsn-returns-control",
                        "Contrôle des retours de tous les dépôts ; AER rangées par dossier.",
                        tags=("dsn", "retours"),
                        schedules=(Schedule(RETURNS_CONTROL_CRON, PARIS),),
                    ),
                ),
            ),
        ),
        cli=CliGroup(
            "dsn",
            "coursier.deployments.dsn_cli:app",
            "DSN : autocontrôle, dépôt M2M, contrôle des retours.",
        ),
        month_end=MonthEndStep(
            10, "Dépôt DSN et retours", "coursier.deployments.dsn_month_end:run"
        ),
    )
)
