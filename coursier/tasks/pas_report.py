"""The seed's "Gestion des flux PAS" screen as the run's artifacts.

- ``pas-crm-<dossier>``: one row per association — integrated ✓ or failed (why), the CRM
  nominatif and financier flags, how many rates and anomalies, and where its DSN was deposited;
- ``pas-crm-<dossier>-taux``: the rates of each employee (the seed's "+"), at most
  :data:`EMPLOYEE_ROWS` rows (``coursier pas rates`` exports them all);
- ``pas-crm-<dossier>-resume``: counts, what to do, one line per association.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from coursier.models.pas import FLAG_LABELS
from coursier.runkit import publish_summary, publish_table
from coursier.tasks.pas_crm import NOT_AVAILABLE, AssociationResult

EMPLOYEE_ROWS = 1000
DEPOSITED_HERE, ELSEWHERE = "DSN déposée par coursier", "DSN déposée hors coursier"


def integration_cell(result: AssociationResult) -> str:
    if result.status == "ok":
        return "✓"
    if result.error_code == NOT_AVAILABLE:
        return "pas encore disponible"
    return f"échec : {result.message}"


def association_rows(results: Iterable[AssociationResult]) -> list[dict[str, object]]:
    return [
        {
            "Association (SIRET)": r.association.siret,
            "Mois": f"{r.association.month:%Y-%m}",
            "Intégration": integration_cell(r),
            "CRM nominatif": FLAG_LABELS[r.nominatif],
            "CRM financier": FLAG_LABELS[r.financier],
            "Taux": len(r.rates),
            "Anomalies": r.anomalies,
            "Taux à vérifier (taux sur taux)": r.flagged,
            "Origine": DEPOSITED_HERE if r.planned.deposited_here else ELSEWHERE,
        }
        for r in results
    ]


def employee_rows(results: Iterable[AssociationResult]) -> list[dict[str, object]]:
    rows = []
    for result in results:
        for rate in result.rates:
            rows.append(
                {
                    "Association (SIRET)": result.association.siret,
                    "Salarié": rate.employee,
                    "Matricule": rate.payroll_number or "",
                    "Taux": "" if rate.rate is None else f"{rate.rate:.2f}",
                    "Identifiant du taux": rate.rate_id,
                    "Futur taux": "" if rate.future_rate is None else f"{rate.future_rate:.2f}",
                    "Date d'effet": _day(rate.future_effective),
                    "Reçu le": _day(rate.received_on),
                    "Utilisable jusqu'au": _day(rate.usable_until),
                    "Drapeau": rate.flag or "OK",
                }
            )
            if len(rows) == EMPLOYEE_ROWS:
                return rows
    return rows


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def publish_pas_screen(
    dossier: str, month: date, results: list[AssociationResult], warning: str | None
) -> None:
    """The association table, the employees' rates and the summary of one run."""
    key = f"pas-crm-{dossier}"
    title = f"CRM PAS du dossier {dossier}, DSN de {month:%m/%Y}"
    publish_table(key, association_rows(results), title)
    publish_table(f"{key}-taux", employee_rows(results), f"{title} : taux par salarié")
    todo = [
        f"{r.association.siret} : {r.message} — relancez avec « coursier rerun » ou retry_failed_of"
        for r in results
        if r.status == "failed"
    ]
    if any(r.anomalies for r in results):
        todo.append(f"Corrigez les anomalies : coursier pas anomalies --dossier {dossier}")
    if warning:
        todo.append(warning)
    publish_summary(
        f"{key}-resume",
        title,
        (f"{r.association.siret} : {integration_cell(r)}" for r in results),
        Counter(r.status for r in results),
        todo,
    )
