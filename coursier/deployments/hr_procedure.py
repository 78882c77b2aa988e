"""The HR sync procedure: Securex → Payflip every night at 02:00 (Brussels), and "Synchroniser
maintenant" on demand (the seed's Intégrations > Securex > 'Synchroniser maintenant')."""

from __future__ import annotations

from coursier.deployments.registry import (
    BRUSSELS,
    CliGroup,
    DeploymentSpec,
    MonthEndStep,
    Noun,
    Procedure,
    ProcedureFlow,
    Schedule,
    register,
)

NIGHTLY_CRON = "0 2 * * *"

PROCEDURE = register(
    Procedure(
        name="hr",
        flows=(
            ProcedureFlow(
                "hr-sync",
                "coursier.flows.hr_sync:hr_sync",
                Noun("employé", "employés"),
                (
                    DeploymentSpec(
                        "hr-sync",
                        "Synchronisation de nuit des employés et de leurs données salariales de "
                        "Securex vers Payflip, pour toutes les entreprises du portefeuille.",
                        tags=("hr", "securex", "payflip"),
                        schedules=(Schedule(NIGHTLY_CRON, BRUSSELS),),
                    ),
                    DeploymentSpec(
                        "hr-sync-now",
                        "Synchroniser maintenant : une entreprise (son numéro de TVA) ou toutes.",
                        tags=("hr", "securex", "payflip"),
                    ),
                ),
            ),
        ),
        cli=CliGroup(
            "hr",
            "coursier.deployments.hr_cli:app",
            "Synchronisation RH Securex → Payflip : synchroniser, historique, employés en échec.",
        ),
        month_end=MonthEndStep(
            40, "Synchronisation RH Securex → Payflip", "coursier.deployments.hr_month_end:run"
        ),
    )
)
