"""The parts every ``gipmds:rapport`` shares: the root, the envoi, declarations and anomalies.

Schema: ``dsn_bilans_v02r03.xsd`` (namespace ``http://www.gip-mds.fr/``, children unqualified).
Readers are lenient where the schema allows absence and strict where a value would otherwise be
misread: a missing ``<envoi>`` or an unreadable date is a :class:`ReturnParseError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from coursier.models.anomaly_place import where_it_applies
from coursier.models.returns.xml import (
    PARIS,
    ReturnParseError,
    child,
    children,
    convert,
    local_name,
    namespace,
    required,
    safe_fromstring,
    squash,
    text,
    to_date,
    to_time,
)

GIPMDS_NS = "http://www.gip-mds.fr/"
BLOCKING, NON_BLOCKING = "bloquant", "non-bloquant"


def normalise_field(identifier: str | None) -> str | None:
    """``S21_G00_50_006`` → ``S21.G00.50.006`` (the taux-sur-taux returns use underscores)."""
    return identifier.replace("_", ".") if identifier else identifier


@dataclass(frozen=True)
class ReturnAnomaly:
    """One anomaly of a return: what, how serious, on which field and which employee.

    ``related`` holds the ``rubrique_associee`` pairs (field, value) some returns add; ``line``
    is the line of the deposited file when the return gives it (``numero_ligne``).
    """

    code: str
    category: str
    message: str
    field: str | None = None
    value: str | None = None
    nir: str | None = None
    ntt: str | None = None
    payroll_number: str | None = None
    line: int | None = None
    related: tuple[tuple[str, str], ...] = ()

    @property
    def is_blocking(self) -> bool:
        return self.category == BLOCKING

    def describe(self) -> str:
        """One readable French line: severity, code, message, then where it applies."""
        severity = "Bloquant" if self.is_blocking else "Non bloquant"
        where = where_it_applies(self)
        return f"{severity} {self.code} : {self.message}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class DeclarationResult:
    """The result of one declaration (S20) of the flux: its identification, state, anomalies."""

    rank: str | None
    type: str | None
    siren: str | None
    nic: str | None
    month: str | None
    state: str | None
    anomalies: tuple[ReturnAnomaly, ...] = ()
    nature: str | None = None
    business_id: str | None = None
    employees: int | None = None


#: What a return without any ``<declaration>`` says about its declaration: nothing.
NO_DECLARATION = DeclarationResult(
    rank=None, type=None, siren=None, nic=None, month=None, state=None
)


@dataclass(frozen=True)
class Envoi:
    """What ``envoi_identification`` and ``envoi_bilan`` say about the flux."""

    idflux: str | None
    sender_siret: str | None
    declarant_siret: str | None
    state: str | None
    received_at: datetime | None
    filename: str | None
    anomalies: tuple[ReturnAnomaly, ...]


def rapport_root(data: bytes) -> etree._Element:
    """The ``gipmds:rapport`` root of ``data``; :class:`ReturnParseError` for any other root."""
    root = safe_fromstring(data)
    if local_name(root) != "rapport" or namespace(root) != GIPMDS_NS:
        raise ReturnParseError(
            f"racine <{local_name(root) or '?'}> inattendue : un retour DSN est un "
            f"gipmds:rapport de l'espace de noms {GIPMDS_NS}"
        )
    if not (root.get("type") or "").strip():
        raise ReturnParseError("attribut type manquant sur gipmds:rapport")
    return root


def read_envoi(root: etree._Element) -> Envoi:
    envoi = child(root, "envoi")
    if envoi is None:
        envoi = required(root, "bordereau", "gipmds:rapport (ni <envoi> ni <bordereau>)")
    ident = child(envoi, "envoi_identification")
    if ident is None:
        ident = child(envoi, "bordereau_identification")
    state = text(child(envoi, "envoi_bilan"), "envoi_etat")
    default = BLOCKING if state == "KO" else NON_BLOCKING
    return Envoi(
        idflux=text(ident, "idflux"),
        sender_siret=text(ident, "emetteur_siret"),
        declarant_siret=text(child(ident, "declarant"), "siret"),
        state=state,
        received_at=_received_at(ident),
        filename=text(ident, "identifiant"),
        anomalies=tuple(read_anomaly(a, default) for a in children(envoi, "envoi_anomalie")),
    )


def _received_at(ident: etree._Element | None) -> datetime | None:
    """Reception date and time as an aware Paris datetime (midnight when the time is absent)."""
    day = convert(text(ident, "date_reception"), to_date, "date de réception")
    if day is None:
        return None
    at = convert(text(ident, "heure_reception"), to_time, "heure de réception")
    return datetime.combine(day, at or datetime.min.time(), tzinfo=PARIS)


def read_anomaly(element: etree._Element, default_category: str) -> ReturnAnomaly:
    """One ``envoi_anomalie`` or ``declaration_anomalie``.

    A missing ``categorie`` (ARE files have none) takes ``default_category``: blocking when the
    enclosing state is KO.
    """
    description = required(element, "description", f"<{local_name(element)}>")
    code = text(description, "code")
    if code is None:
        raise ReturnParseError(f"code manquant dans <{local_name(element)}>")
    values = child(element, "valeurs")
    trigger = child(values, "rubrique_declenchante")
    related = tuple(
        (normalise_field(text(r, "identifiant")) or "", text(r, "valeur") or "")
        for r in children(values, "rubrique_associee")
    )
    employee = _employee_of(child(element, "environnement"))
    return ReturnAnomaly(
        code=code,
        category=text(description, "categorie") or default_category,
        message=squash(text(description, "message")) or "",
        field=normalise_field(text(trigger, "identifiant")),
        value=text(trigger, "valeur"),
        nir=text(employee, "NIR"),
        ntt=text(employee, "NTT"),
        payroll_number=text(employee, "matricule"),
        line=convert(text(description, "numero_ligne"), int, "numéro de ligne"),
        related=related,
    )


def _employee_of(environment: etree._Element | None) -> etree._Element | None:
    """The employee as declared (``origine="DSN"``), else the first one given."""
    employees = children(environment, "salarie") + children(environment, "individu_non_salarie")
    declared = [e for e in employees if e.get("origine") in (None, "DSN", "PASRAU")]
    return (declared or employees or [None])[0]


def read_declaration(element: etree._Element) -> DeclarationResult:
    ident = child(element, "declaration_identification")
    result = child(element, "declaration_bilan")
    state = text(result, "etat")
    default = BLOCKING if state == "KO" else NON_BLOCKING
    return DeclarationResult(
        rank=text(ident, "rang"),
        type=text(ident, "type"),
        siren=text(ident, "SIREN"),
        nic=text(ident, "nic_affectation"),
        month=text(ident, "mois") or text(result, "mois"),
        state=state,
        anomalies=tuple(
            read_anomaly(a, default) for a in children(element, "declaration_anomalie")
        ),
        nature=text(ident, "nature"),
        business_id=text(ident, "identifiant_metier"),
        employees=convert(
            text(child(result, "declaration_contenu"), "salaries"), int, "nombre de salariés"
        ),
    )


def read_declarations(root: etree._Element) -> tuple[DeclarationResult, ...]:
    return tuple(read_declaration(d) for d in children(root, "declaration"))
