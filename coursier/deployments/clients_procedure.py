"""The client-import procedure (Belgium): the firm's clients re-imported from AdminPulse or
Admin IS | Consult into Accounton at the start of each tax campaign, reviewed, then applied."""

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

#: 08:00 on 2 May: the personal income tax campaign (IPP) opens in May. The run computes the
#: plan and waits for its review in the Prefect UI (or ``coursier clients apply``).
CAMPAIGN_CRON = "0 8 2 5 *"

PROCEDURE = register(
    Procedure(
        name="client-import",
        flows=(
            ProcedureFlow(
                "client-import",
                "coursier.flows.client_import:client_import",
                Noun("client", "clients"),
                (
                    DeploymentSpec(
                        "client-import",
                        "Import des clients AdminPulse / Admin IS | Consult dans Accounton : "
                        "plan (nouveaux, uniquement Accounton, doublons, invalides), revue, "
                        "application.",
                        tags=("accounton", "clients"),
                        schedules=(Schedule(CAMPAIGN_CRON, BRUSSELS),),
                    ),
                ),
            ),
            ProcedureFlow(
                "client-import-apply",
                "coursier.flows.client_import:client_import_apply",
                Noun("client", "clients"),
                (
                    DeploymentSpec(
                        "client-import-apply",
                        "Application d'un plan d'import de clients revu : ajouts liés au "
                        "questionnaire, champs choisis écrasés, invitations si demandées.",
                        tags=("accounton", "clients"),
                    ),
                ),
            ),
        ),
        cli=CliGroup(
            "clients",
            "coursier.deployments.clients_cli:app",
            "Clients : import AdminPulse / Admin IS → Accounton, plan revu puis appliqué.",
        ),
        month_end=MonthEndStep(
            50, "Import des clients dans Accounton", "coursier.deployments.clients_month_end:run"
        ),
    )
)
