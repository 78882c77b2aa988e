"""From a deposited DSN file to the returns the platform publishes about it.

The file is read once for what the returns quote (declared SIRET, nature, month, employees) and
self-checked with :func:`coursier.models.dsn.checks.check_lines`, which stands for the
platform's own control: blocking anomalies give a BAN (KO), otherwise a CCO (OK, or ANO when
non-blocking anomalies remain). A monthly DSN without blocking anomaly then gets a CRM
nominatif (94, a PAS rate per employee), a CRM financier (93) and, when some applied rate is
not the valid one, a taux sur taux (95) (:mod:`.crm_returns`); an FCTU gets an AER (44, PDF).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from coursier.models.dsn.blocks import Block
from coursier.models.dsn.checks import CheckReport
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.lines import MalformedLine
from coursier.models.returns import writer
from coursier.models.returns.rapport import BLOCKING, NON_BLOCKING, ReturnAnomaly
from coursier.sandbox.crm_returns import (
    DeclaredEmployee,
    IssuedRates,
    declared_employees,
    write_crm,
)
from coursier.sandbox.pdf import text_pdf

MONTHLY, END_OF_CONTRACT = "01", "07"
XML, PDF = "application/xml", "application/pdf"
NOT_DSN_CODE = "B1-105-15"
#: No official code is known for "declarant not authorised for this SIRET": the sandbox's own.
NOT_AUTHORISED_CODE = "B1-HAB-01"


@dataclass(frozen=True)
class DepositedFile:
    """What the returns quote from a deposited file (raw values, as declared)."""

    sender_siret: str | None
    siren: str | None
    nic: str | None
    nature: str | None
    type: str | None
    month: str | None
    rank: str | None
    business_id: str | None
    norm: str | None
    test_or_real: str | None
    employees: tuple[DeclaredEmployee, ...]

    @property
    def declared_siret(self) -> str | None:
        """S21.G00.06.001 + S21.G00.11.001, the SIRET the declaration is for."""
        return self.siren + self.nic if self.siren and self.nic else None


def starts_with_s10(lines: list[str]) -> bool:
    return bool(lines) and lines[0].startswith("S10.G00.00.")


def read_deposited(blocks: Sequence[Block | MalformedLine]) -> DepositedFile:
    """The first value of each quoted field, and every employee, from a file's blocks (grouped
    once: the platform also self-checks them)."""
    first: dict[str, str] = {}
    for block in blocks:
        if type(block) is not MalformedLine:
            for field_id, value in block.values.items():
                first.setdefault(field_id, value)
    sender = first.get("S10.G00.01.001", "") + first.get("S10.G00.01.002", "")
    return DepositedFile(
        sender_siret=sender or None,
        siren=first.get("S21.G00.06.001"),
        nic=first.get("S21.G00.11.001"),
        nature=first.get("S20.G00.05.001"),
        type=first.get("S20.G00.05.002"),
        month=first.get("S20.G00.05.005"),
        rank=first.get("S20.G00.05.004"),
        business_id=first.get("S20.G00.05.009"),
        norm=first.get("S10.G00.00.006"),
        test_or_real=first.get("S10.G00.00.005"),
        employees=tuple(declared_employees(blocks)),
    )


@dataclass(frozen=True)
class PlannedReturn:
    """A return to publish ``delay_s`` seconds after the deposit."""

    nature: str
    kind: str
    status: str
    delay_s: float
    content: bytes
    media_type: str = XML


@dataclass(frozen=True)
class ReturnDelays:
    """Seconds between the deposit and each return's publication (AEE/ARE: at once)."""

    aee: float = 0.0
    bilan: float = 3.0
    crm_nominatif: float = 6.0
    crm_financier: float = 9.0
    aer: float = 6.0


def to_return_anomaly(anomaly: Anomaly, lines: list[str]) -> ReturnAnomaly:
    """A self-check anomaly in the returns' vocabulary, with the value of its line."""
    value = None
    if anomaly.line and anomaly.field and 0 < anomaly.line <= len(lines):
        field_id, _, rest = lines[anomaly.line - 1].partition(",")
        if field_id == anomaly.field and len(rest) >= 2:
            value = rest[1:-1] or None
    return ReturnAnomaly(
        code=anomaly.code,
        category=BLOCKING if anomaly.is_blocking else NON_BLOCKING,
        message=anomaly.message,
        field=anomaly.field,
        value=value,
        line=anomaly.line,
    )


def plan_returns(
    file: DepositedFile,
    report: CheckReport,
    lines: list[str],
    envoi: writer.EnvoiIdentity,
    delays: ReturnDelays,
    issued: IssuedRates | None = None,
) -> list[PlannedReturn]:
    """The returns after the AEE, in publication order; ``issued``: the PAS rates the platform
    transmitted so far (a file applying another rate under one of their identifiers gets a 95)."""
    anomalies = [to_return_anomaly(a, lines) for a in report.anomalies]
    # The rank and business id are what the reconciliation matches a bilan on.
    declaration = writer.DeclarationIdentity(
        siren=file.siren or "",
        nic=file.nic or "",
        rank=file.rank or 1,
        nature=file.nature,
        type=file.type,
        month=file.month,
        business_id=file.business_id,
        employees=report.employees,
    )
    if report.blocking:
        ban = writer.write_bilan("BAN", envoi, declaration, anomalies)
        return [PlannedReturn("11", "BAN", "KO", delays.bilan, ban)]
    status = "ANO" if anomalies else "OK"
    cco = writer.write_bilan("CCO", envoi, declaration, anomalies)
    planned = [PlannedReturn("11", "CCO", status, delays.bilan, cco)]
    if file.nature == MONTHLY:
        month = _declared_month(file.month)
        crm = write_crm(file.employees, envoi, declaration, month, issued or IssuedRates())
        planned.append(
            PlannedReturn("94", "CRM nominatif", "OK", delays.crm_nominatif, crm.nominatif)
        )
        planned.append(
            PlannedReturn("93", "CRM financier", "OK", delays.crm_financier, crm.financier)
        )
        if crm.taux_sur_taux is not None:
            planned.append(
                PlannedReturn(
                    "95", "CRM taux sur taux", "OK", delays.crm_financier, crm.taux_sur_taux
                )
            )
    elif file.nature == END_OF_CONTRACT:
        planned.append(PlannedReturn("44", "AER", "OK", delays.aer, _aer(file, envoi), PDF))
    return planned


def _declared_month(month: str | None) -> date:
    """S20.G00.05.005 (``01MMYYYY``) as a date; today's month when the file has none."""
    try:
        return datetime.strptime(month or "", "%d%m%Y").date()
    except ValueError:
        return date.today().replace(day=1)


def _aer(file: DepositedFile, envoi: writer.EnvoiIdentity) -> bytes:
    employee = file.employees[0] if file.employees else DeclaredEmployee(None, None, None)
    return text_pdf(
        "Attestation employeur rematérialisée (AER)",
        [
            f"Flux : {envoi.idflux}",
            f"Établissement : {file.declared_siret or 'inconnu'}",
            f"Salarié : NIR {employee.nir or employee.ntt or 'inconnu'}, "
            f"matricule {employee.payroll_number or '-'}",
            "Document produit par le bac à sable coursier, sans valeur légale.",
        ],
    )
