"""Integrating the DGFiP's PAS returns of one association: rates, anomalies, flags (pure logic).

An association is an establishment of a dossier (its SIRET) with a monthly DSN for a month. Its
CRM nominatif (94) gives one rate per employee under one rate identifier (S21.G00.50.008 of the
next DSN); a transmitted rate stays usable about two months after it was received, then the
default grid applies (PROTOCOLS.md §3). The CRM financier (93) says whether the PAS payment was
collected; the taux-sur-taux (95) flags the employees whose applied rate was not the valid one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from coursier.models.returns.crm import CrmFinancier, CrmNominatif, CrmTauxSurTaux
from coursier.models.returns.gipmds import ReturnAnomaly

Flag = Literal["OK", "anomalies", "KO", "absent"]
#: How long a transmitted rate may be applied after it was received.
USABLE_MONTHS = 2
#: What the employee tables and the work-list say of each flag.
FLAG_LABELS: dict[str, str] = {
    "OK": "OK",
    "anomalies": "anomalies",
    "KO": "KO",
    "absent": "pas encore reçu",
}
#: Correction hints for the codes the DGFiP returns most (others get the generic one).
HINTS = {
    "ADR05": "Vérifiez l'adresse du salarié (rue, code postal, localité) dans sa fiche ; "
    "elle partira corrigée dans la DSN du mois suivant.",
    "TST01": "Appliquez le taux transmis par la DGFiP (S21.G00.50.006, type 01, identifiant "
    "en S21.G00.50.008) dès la prochaine paie.",
}


@dataclass(frozen=True)
class Association:
    """One establishment of a dossier, for one declared month (its first day)."""

    dossier: str
    siret: str
    month: date

    @property
    def key(self) -> str:
        """The outcome key: what ``retry_failed_of`` and the audit name it by."""
        return f"{self.dossier}/{self.siret}/{self.month:%Y-%m}"

    def details(self) -> dict[str, str]:
        return {"dossier": self.dossier, "siret": self.siret, "month": f"{self.month:%Y-%m}"}


@dataclass(frozen=True)
class EmployeeRate:
    """The rate of one employee as the store keeps it."""

    employee: str  # "NIR:…" or "NTT:…": the key the rate is integrated on
    nir: str | None
    ntt: str | None
    payroll_number: str | None
    rate: Decimal | None
    rate_id: str
    future_rate: Decimal | None
    future_effective: date | None
    received_on: date
    usable_until: date
    applied_rate: Decimal | None = None  # from a taux-sur-taux, when it flagged the employee
    flag: str | None = None


@dataclass(frozen=True)
class WorkItem:
    """One anomaly of the work-list, before it is stored (open)."""

    nature: str  # 93, 94 or 95
    code: str
    blocking: bool
    message: str
    field: str | None
    value: str | None
    employee: str | None
    payroll_number: str | None
    hint: str

    @property
    def fingerprint(self) -> str:
        """What makes the anomaly the same one when its CRM is integrated again."""
        parts = (self.nature, self.code, self.field, self.value, self.employee, self.message)
        return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Integration:
    """What one association's CRM bring: the screen's flags, the rates, the work-list."""

    nominatif: Flag
    financier: Flag
    rates: tuple[EmployeeRate, ...]
    work: tuple[WorkItem, ...]
    flagged: int = 0  # employees a taux-sur-taux flagged


def employee_key(nir: str | None, ntt: str | None) -> str | None:
    if nir:
        return f"NIR:{nir}"
    return f"NTT:{ntt}" if ntt else None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def usable_until(received_on: date) -> date:
    return add_months(received_on, USABLE_MONTHS)


def flag_of(state: str | None, anomalies: tuple[ReturnAnomaly, ...]) -> Flag:
    """The seed's flag: KO when the return or an anomaly blocks, anomalies, else OK."""
    if state == "KO" or any(a.is_blocking for a in anomalies):
        return "KO"
    return "anomalies" if anomalies else "OK"


def hint_for(anomaly: ReturnAnomaly) -> str:
    known = HINTS.get(anomaly.code)
    if known:
        return known
    where = f" la rubrique {anomaly.field}" if anomaly.field else " la donnée signalée"
    value = f" (valeur « {anomaly.value} »)" if anomaly.value else ""
    return f"Corrigez{where}{value} dans le logiciel de paie ; elle partira dans la prochaine DSN."


def work_item(nature: str, anomaly: ReturnAnomaly) -> WorkItem:
    return WorkItem(
        nature=nature,
        code=anomaly.code,
        blocking=anomaly.is_blocking,
        message=anomaly.message,
        field=anomaly.field,
        value=anomaly.value,
        employee=employee_key(anomaly.nir, anomaly.ntt),
        payroll_number=anomaly.payroll_number,
        hint=hint_for(anomaly),
    )


def integrate(
    nominatif: CrmNominatif,
    received_on: date,
    financier: CrmFinancier | None = None,
    taux_sur_taux: CrmTauxSurTaux | None = None,
) -> Integration:
    """The rates, flags and work-list of one association's CRM, received on ``received_on``."""
    applied = {}
    if taux_sur_taux is not None:
        for found in taux_sur_taux.discrepancies:
            key = employee_key(found.nir, found.ntt)
            if key:
                applied[key] = found.applied_rate
    rates = []
    for rate in nominatif.rates:
        key = employee_key(rate.nir, rate.ntt)
        if key is None:
            continue  # the writer refuses it; an official file without either is unusable
        flagged = key in applied
        rates.append(
            EmployeeRate(
                employee=key,
                nir=rate.nir,
                ntt=rate.ntt,
                payroll_number=rate.payroll_number,
                rate=rate.rate,
                rate_id=nominatif.rate_id,
                future_rate=rate.future_rate,
                future_effective=rate.future_effective,
                received_on=received_on,
                usable_until=usable_until(received_on),
                applied_rate=applied.get(key),
                flag="taux appliqué différent du taux valide" if flagged else None,
            )
        )
    work = [work_item("94", a) for a in nominatif.anomalies]
    if financier is not None:
        work += [work_item("93", a) for a in financier.anomalies]
    if taux_sur_taux is not None:
        work += [work_item("95", a) for a in taux_sur_taux.anomalies]
    return Integration(
        nominatif=flag_of(nominatif.state, nominatif.anomalies),
        financier=flag_of(financier.state, financier.anomalies) if financier else "absent",
        rates=tuple(rates),
        work=tuple(dict((w.fingerprint, w) for w in work).values()),
        flagged=len(applied),
    )
