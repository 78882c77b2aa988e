"""DGFiP returns on the withholding tax (PAS): CRM 93 financier, 94 nominatif, 95 taux sur taux.

All three are ``gipmds:rapport`` documents (``type`` = ``CRM financier`` / ``CRM nominatif`` /
``CRM taux sur taux``). The CRM nominatif carries, per employee, the rate to apply and its
identifier (root attribute ``identifiant``, 18 digits, to report in S21.G00.50.008); a rate stays
usable about two months, and with no rate the default grid applies (the root ``message`` says so).
The taux-sur-taux return lists the employees whose applied rate (S21.G00.50.006) differs from
the one transmitted; its field ids use underscores (``S21_G00_50_006``), normalised here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from coursier.models.returns.gipmds import (
    NO_DECLARATION,
    DeclarationResult,
    ReturnAnomaly,
    rapport_root,
    read_declarations,
    read_envoi,
)
from coursier.models.returns.xml import (
    ReturnParseError,
    child,
    children,
    convert,
    squash,
    text,
    to_date,
    to_decimal,
)

CRM_FINANCIER, CRM_NOMINATIF, CRM_TAUX_SUR_TAUX = (
    "CRM financier",
    "CRM nominatif",
    "CRM taux sur taux",
)
APPLIED_RATE, AMOUNT_WITHHELD, PAID_ON, PAYMENT_NUMBER = (
    "S21.G00.50.006",
    "S21.G00.50.009",
    "S21.G00.50.001",
    "S21.G00.50.003",
)


@dataclass(frozen=True)
class PasRate:
    """The withholding rate DGFiP sends for one employee, and the next one when announced."""

    nir: str | None
    ntt: str | None
    payroll_number: str | None
    rate: Decimal | None
    future_rate: Decimal | None = None
    future_effective: date | None = None


@dataclass(frozen=True)
class CrmNominatif:
    """CRM 94: the PAS rates of a declaration's employees, under one rate identifier."""

    rate_id: str
    idflux: str | None
    siren: str | None
    nic: str | None
    month: str | None
    rates: tuple[PasRate, ...]
    state: str | None = None
    anomalies: tuple[ReturnAnomaly, ...] = ()
    sender_siret: str | None = None
    business_id: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class CrmFinancier:
    """CRM 93: whether DGFiP could collect the declared PAS payment, and why not."""

    idflux: str | None
    sender_siret: str | None
    state: str | None
    siren: str | None
    nic: str | None
    rank: str | None
    type: str | None
    business_id: str | None
    month: str | None
    anomalies: tuple[ReturnAnomaly, ...] = ()

    @property
    def is_ok(self) -> bool:
        return self.state != "KO" and not any(a.is_blocking for a in self.anomalies)

    def messages(self) -> list[str]:
        return [a.describe() for a in self.anomalies]


@dataclass(frozen=True)
class RateDiscrepancy:
    """An employee whose applied PAS rate is not the valid one DGFiP transmitted."""

    code: str
    message: str
    nir: str | None
    ntt: str | None
    payroll_number: str | None
    applied_rate: Decimal | None
    amount_withheld: Decimal | None
    paid_on: date | None
    payment_number: str | None


@dataclass(frozen=True)
class CrmTauxSurTaux:
    """CRM 95: the applied rates checked against the transmitted ones."""

    identifier: str | None
    idflux: str | None
    sender_siret: str | None
    state: str | None
    siren: str | None
    nic: str | None
    rank: str | None
    business_id: str | None
    discrepancies: tuple[RateDiscrepancy, ...]
    anomalies: tuple[ReturnAnomaly, ...] = ()
    message: str | None = None


def _typed_root(data: bytes, expected: str) -> etree._Element:
    root = rapport_root(data)
    if root.get("type") != expected:
        raise ReturnParseError(f"retour de type « {root.get('type')} », attendu « {expected} »")
    return root


def _first(declarations: tuple[DeclarationResult, ...]) -> DeclarationResult:
    return declarations[0] if declarations else NO_DECLARATION


def _all_anomalies(declarations: tuple[DeclarationResult, ...]) -> tuple[ReturnAnomaly, ...]:
    return tuple(a for d in declarations for a in d.anomalies)


def parse_crm_nominatif(data: bytes) -> CrmNominatif:
    """Read a CRM nominatif (94); :class:`ReturnParseError` when it is not one."""
    root = _typed_root(data, CRM_NOMINATIF)
    rate_id = (root.get("identifiant") or "").strip()
    if not rate_id:
        raise ReturnParseError("CRM nominatif sans attribut identifiant (identifiant du taux)")
    envoi = read_envoi(root)
    declarations = read_declarations(root)
    first = _first(declarations)
    rates = tuple(
        _pas_rate(employee)
        for declaration in children(root, "declaration")
        for employee in children(child(declaration, "declaration_bilan"), "salarie")
    )
    return CrmNominatif(
        rate_id=rate_id,
        idflux=envoi.idflux,
        siren=first.siren,
        nic=first.nic,
        month=first.month,
        rates=rates,
        state=envoi.state,
        anomalies=envoi.anomalies + _all_anomalies(declarations),
        sender_siret=envoi.sender_siret,
        business_id=first.business_id,
        message=squash(root.get("message")),
    )


def _pas_rate(employee: etree._Element) -> PasRate:
    future = child(employee, "future_imposition_PAS")
    return PasRate(
        nir=text(employee, "NIR"),
        ntt=text(employee, "NTT"),
        payroll_number=text(employee, "matricule"),
        rate=convert(text(employee, "taux_imposition_PAS"), to_decimal, "taux PAS"),
        future_rate=convert(text(future, "taux"), to_decimal, "futur taux PAS"),
        future_effective=convert(text(future, "date_effet"), to_date, "date d'effet du taux"),
    )


def parse_crm_financier(data: bytes) -> CrmFinancier:
    """Read a CRM financier (93); :class:`ReturnParseError` when it is not one."""
    root = _typed_root(data, CRM_FINANCIER)
    envoi = read_envoi(root)
    declarations = read_declarations(root)
    first = _first(declarations)
    return CrmFinancier(
        idflux=envoi.idflux,
        sender_siret=envoi.sender_siret,
        state=envoi.state,
        siren=first.siren,
        nic=first.nic,
        rank=first.rank,
        type=first.type,
        business_id=first.business_id,
        month=first.month,
        anomalies=envoi.anomalies + _all_anomalies(declarations),
    )


def parse_crm_taux_sur_taux(data: bytes) -> CrmTauxSurTaux:
    """Read a CRM taux sur taux (95); :class:`ReturnParseError` when it is not one."""
    root = _typed_root(data, CRM_TAUX_SUR_TAUX)
    envoi = read_envoi(root)
    declarations = read_declarations(root)
    first = _first(declarations)
    anomalies = envoi.anomalies + _all_anomalies(declarations)
    return CrmTauxSurTaux(
        identifier=root.get("identifiant"),
        idflux=envoi.idflux,
        sender_siret=envoi.sender_siret,
        state=envoi.state,
        siren=first.siren,
        nic=first.nic,
        rank=first.rank,
        business_id=first.business_id,
        discrepancies=tuple(_discrepancy(a) for a in anomalies if a.field == APPLIED_RATE),
        anomalies=anomalies,
        message=squash(root.get("message")),
    )


def _discrepancy(anomaly: ReturnAnomaly) -> RateDiscrepancy:
    related = dict(anomaly.related)
    return RateDiscrepancy(
        code=anomaly.code,
        message=anomaly.message,
        nir=anomaly.nir,
        ntt=anomaly.ntt,
        payroll_number=anomaly.payroll_number,
        applied_rate=convert(anomaly.value, to_decimal, "taux appliqué"),
        amount_withheld=convert(related.get(AMOUNT_WITHHELD), to_decimal, "montant prélevé"),
        paid_on=convert(related.get(PAID_ON), to_date, "date de versement"),
        payment_number=related.get(PAYMENT_NUMBER),
    )
