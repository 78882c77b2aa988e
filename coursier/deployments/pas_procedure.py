"""The PAS procedure: automatic integration of the DGFiP's CRM (rates, anomalies) per
association, daily during the first half of the month, when the monthly DSN's returns come."""

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

#: 07:30 every day from the 1st to the 16th (the DSN is due on the 5th or the 15th; its CRM
#: come within days). A run needs its dossier and month: the schedule's parameters are set per
#: dossier when the deployment is served, or the run is started from the UI.
CRM_CRON = "30 7 1-16 * *"

PROCEDURE = register(
    Procedure(
        name="pas",
        flows=(
            ProcedureFlow(
                "pas-crm",
                "coursier.flows.pas_crm:pas_crm",
                Noun("association", "associations"),
                (
                    DeploymentSpec(
                        "pas-crm",
                        "Intégration automatique des CRM PAS (taux, anomalies) des associations "
                        "d'un dossier pour un mois de dépôt DSN.",
                        tags=("pas", "crm"),
                        schedules=(Schedule(CRM_CRON, PARIS),),
                    ),
                ),
            ),
        ),
        cli=CliGroup(
            "pas",
            "coursier.deployments.pas_cli:app",
            "PAS : intégration des CRM, anomalies, taux pour le logiciel de paie.",
        ),
        month_end=MonthEndStep(30, "PAS CRM", "coursier.deployments.pas_month_end:run"),
    )
)
