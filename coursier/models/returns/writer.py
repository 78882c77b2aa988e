"""Return documents written in the official ``gipmds:rapport`` shape (``dsn_bilans_v02r03.xsd``).

The sandbox answers with these; what they write, :mod:`.rapport` reads back unchanged. Elements
follow the schema's sequence order, children unqualified as the schema wants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from lxml import etree

from coursier.models.returns.crm import CRM_FINANCIER, CRM_NOMINATIF, CRM_TAUX_SUR_TAUX, PasRate
from coursier.models.returns.gipmds import BLOCKING, GIPMDS_NS, NON_BLOCKING, ReturnAnomaly
from coursier.models.returns.xml import PARIS

SCHEMA_VERSION = "v02r03"
DEFAULT_GRID_MESSAGE = (
    "En cas d’absence de taux communiqué par la DGFIP, le taux applicable est le taux issu des "
    "grilles de taux par défaut définies par la loi de finances"
)


@dataclass(frozen=True)
class EnvoiIdentity:
    """Who deposited the flux, when, and which flux it is (``envoi_identification``)."""

    idflux: str
    sender_siret: str
    declarant_siret: str | None = None
    declarant_name: str | None = None
    declarant_first_name: str | None = None
    received_at: datetime | None = None
    filename: str | None = "MtoM"
    norm_version: str | None = None
    test_or_real: str | None = None
    deposit_point: str | None = "01"


@dataclass(frozen=True)
class DeclarationIdentity:
    """The declaration (S20) a return is about (``declaration_identification``).

    ``month`` as in S20.G00.05.005 (``01MMYYYY``), ``rank`` as in S20.G00.05.004 and
    ``business_id`` as in S20.G00.05.009 (the reconciliation matches returns on them).
    """

    siren: str
    nic: str
    rank: int | str = 1
    nature: str | None = None
    type: str | None = "01"
    month: str | None = None
    business_id: str | None = None
    employees: int | None = None


def write_aee(envoi: EnvoiIdentity) -> bytes:
    """AEE: the deposit is registered (nature 10, state OK)."""
    root, _ = _rapport("AEE", envoi, "OK", registered=True)
    return _bytes(root)


def write_are(envoi: EnvoiIdentity, anomalies: Sequence[ReturnAnomaly]) -> bytes:
    """ARE: the deposit is rejected (nature 10, state KO) for the envoi-level ``anomalies``."""
    root, envoi_element = _rapport("ARE", envoi, "KO")
    for anomaly in anomalies:
        _anomaly(etree.SubElement(envoi_element, "envoi_anomalie"), anomaly, with_employee=False)
    return _bytes(root)


def write_bilan(
    kind: Literal["BAN", "CCO"],
    envoi: EnvoiIdentity,
    declaration: DeclarationIdentity,
    anomalies: Sequence[ReturnAnomaly] = (),
) -> bytes:
    """BAN (KO, the anomalies to correct) or CCO (OK, non-blocking anomalies allowed)."""
    if kind not in ("BAN", "CCO"):
        raise ValueError(f"bilan {kind!r} : attendu BAN ou CCO")
    if kind == "CCO" and any(a.category == BLOCKING for a in anomalies):
        raise ValueError("un CCO ne peut pas porter d'anomalie bloquante : écrire un BAN")
    state = "KO" if kind == "BAN" else "OK"
    root, _ = _rapport(kind, envoi, state)
    result = _declaration(root, declaration, state)
    for category in (BLOCKING, NON_BLOCKING):  # the schema wants counts above zero only
        count = sum(a.category == category for a in anomalies)
        if count:
            counter = etree.SubElement(result, "declaration_compteurs")
            _sub(counter, "categorie", category)
            _sub(counter, "nombre", str(count))
    _sub(etree.SubElement(result, "niveau_conformite"), "etat_conformite", state)
    _anomalies(root, anomalies)
    return _bytes(root)


def write_crm_nominatif(
    envoi: EnvoiIdentity,
    declaration: DeclarationIdentity,
    rate_id: str,
    rates: Sequence[PasRate],
    anomalies: Sequence[ReturnAnomaly] = (),
    message: str = DEFAULT_GRID_MESSAGE,
) -> bytes:
    """CRM 94: one ``salarie`` per rate, under the 18-digit rate identifier ``rate_id``."""
    root, _ = _rapport(CRM_NOMINATIF, envoi, "OK", identifiant=rate_id, message=message)
    result = _declaration(root, declaration, "OK")
    for rate in rates:
        if not (rate.nir or rate.ntt):
            raise ValueError("un taux PAS se rattache à un NIR ou à un NTT : aucun des deux donné")
        employee = etree.SubElement(result, "salarie")
        _identity(employee, rate.nir, rate.ntt, rate.payroll_number)
        if rate.rate is not None:
            _sub(employee, "taux_imposition_PAS", f"{rate.rate:.2f}")
        if rate.future_effective is not None:
            future = etree.SubElement(employee, "future_imposition_PAS")
            if rate.future_rate is not None:
                _sub(future, "taux", f"{rate.future_rate:.2f}")
            _sub(future, "date_effet", rate.future_effective.isoformat())
    _anomalies(root, anomalies)
    return _bytes(root)


def write_crm_financier(
    envoi: EnvoiIdentity,
    declaration: DeclarationIdentity,
    anomalies: Sequence[ReturnAnomaly] = (),
) -> bytes:
    """CRM 93: the PAS payment collected (OK) or refused (KO, with the blocking reasons)."""
    state = "KO" if any(a.category == BLOCKING for a in anomalies) else "OK"
    root, _ = _rapport(CRM_FINANCIER, envoi, state)
    _declaration(root, declaration, state)
    _anomalies(root, anomalies)
    return _bytes(root)


TAUX_SUR_TAUX_MESSAGE = (
    "Vous n’avez pas appliqué les taux valides communiqués par l’administration fiscale, en cas "
    "de sous-prélèvement vous vous exposez à une amende."
)


def write_crm_taux_sur_taux(
    envoi: EnvoiIdentity,
    declaration: DeclarationIdentity,
    anomalies: Sequence[ReturnAnomaly],
    identifier: str = "1",
    message: str = TAUX_SUR_TAUX_MESSAGE,
) -> bytes:
    """CRM 95: the employees whose applied rate is not the valid one, one anomaly each (its
    field written with underscores, ``S21_G00_50_006``, as the official return does)."""
    root, _ = _rapport(CRM_TAUX_SUR_TAUX, envoi, "OK", identifiant=identifier, message=message)
    _declaration(root, declaration, "OK")
    _anomalies(root, anomalies)
    return _bytes(root)


# Building blocks ------------------------------------------------------------------------------


def _sub(parent: etree._Element, name: str, value: str | None) -> etree._Element | None:
    """A text child, skipped when ``value`` is ``None`` (the schema's optional elements)."""
    if value is None:
        return None
    element = etree.SubElement(parent, name)
    element.text = value
    return element


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _rapport(
    kind: str,
    envoi: EnvoiIdentity,
    state: str,
    *,
    registered: bool = False,
    identifiant: str | None = None,
    message: str | None = None,
) -> tuple[etree._Element, etree._Element]:
    """The root and its ``<envoi>`` (identification and bilan), ready for anomalies."""
    root = etree.Element(f"{{{GIPMDS_NS}}}rapport", nsmap={"gipmds": GIPMDS_NS})
    if identifiant is not None:
        root.set("identifiant", identifiant)
    root.set("type", kind)
    root.set("profil", "DSN")
    root.set("version", SCHEMA_VERSION)
    if message is not None:
        root.set("message", message)
    element = etree.SubElement(root, "envoi")
    ident = etree.SubElement(element, "envoi_identification")
    if envoi.declarant_siret:
        declarant = etree.SubElement(ident, "declarant")
        _sub(declarant, "siret", envoi.declarant_siret)
        _sub(declarant, "nom", envoi.declarant_name or "")
        _sub(declarant, "prenom", envoi.declarant_first_name or "")
    _sub(ident, "idflux", envoi.idflux)
    _sub(ident, "identifiant", envoi.filename)
    _sub(ident, "version_norme", envoi.norm_version)
    _sub(ident, "point_de_depot", envoi.deposit_point)
    _sub(ident, "essai_reel", envoi.test_or_real)
    _sub(ident, "emetteur_siret", envoi.sender_siret)
    if envoi.received_at is not None:
        at = envoi.received_at.astimezone(PARIS) if envoi.received_at.tzinfo else envoi.received_at
        stamps = ("reception", "enregistrement") if registered else ("reception",)
        for stamp in stamps:
            _sub(ident, f"date_{stamp}", at.date().isoformat())
            _sub(ident, f"heure_{stamp}", at.strftime("%H:%M:%S"))
    _sub(etree.SubElement(element, "envoi_bilan"), "envoi_etat", state)
    return root, element


def _declaration(
    root: etree._Element, declaration: DeclarationIdentity, state: str
) -> etree._Element:
    """A ``<declaration>`` with its identification and its ``declaration_bilan``, returned so
    that callers complete it before :func:`_anomalies` appends the anomalies after it."""
    element = etree.SubElement(root, "declaration")
    ident = etree.SubElement(element, "declaration_identification")
    _sub(ident, "rang", str(declaration.rank))
    _sub(ident, "nature", declaration.nature)
    _sub(ident, "type", declaration.type)
    _sub(ident, "mois", declaration.month)
    _sub(ident, "identifiant_metier", declaration.business_id)
    _sub(ident, "SIREN", declaration.siren)
    _sub(ident, "nic_affectation", declaration.nic)
    result = etree.SubElement(element, "declaration_bilan")
    _sub(result, "etat", state)
    if declaration.employees is not None:
        _sub(
            etree.SubElement(result, "declaration_contenu"), "salaries", str(declaration.employees)
        )
    return result


def _anomalies(root: etree._Element, anomalies: Sequence[ReturnAnomaly]) -> None:
    """The ``declaration_anomalie`` entries, after the (complete) ``declaration_bilan``."""
    declaration = root.find("declaration")
    for anomaly in anomalies:
        _anomaly(etree.SubElement(declaration, "declaration_anomalie"), anomaly, with_employee=True)


def _anomaly(element: etree._Element, anomaly: ReturnAnomaly, *, with_employee: bool) -> None:
    description = etree.SubElement(element, "description")
    _sub(description, "code", anomaly.code)
    _sub(description, "categorie", anomaly.category)
    _sub(description, "message", anomaly.message)
    _sub(description, "numero_ligne", None if anomaly.line is None else str(anomaly.line))
    if anomaly.field:
        values = etree.SubElement(element, "valeurs")
        for tag, field, value in (
            ("rubrique_declenchante", anomaly.field, anomaly.value),
            *(("rubrique_associee", f, v) for f, v in anomaly.related),
        ):
            rubrique = etree.SubElement(values, tag)
            _sub(rubrique, "identifiant", field)
            _sub(rubrique, "valeur", value or "")
    if with_employee and (anomaly.nir or anomaly.ntt):
        employee = etree.SubElement(etree.SubElement(element, "environnement"), "salarie")
        employee.set("origine", "DSN")
        _identity(employee, anomaly.nir, anomaly.ntt, anomaly.payroll_number)


def _identity(
    employee: etree._Element, nir: str | None, ntt: str | None, number: str | None
) -> None:
    _sub(employee, "NIR", nir)
    _sub(employee, "NTT", ntt)
    _sub(employee, "matricule", number)
