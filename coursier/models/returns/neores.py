"""NEOReS returns ("retours organismes", norm 2026), such as France Travail's CRM FCTU (nature 135).

Schema: ``NEOReS_Master_Message_2026.1.1.xsd``, namespace ``https://gipmds/1.0``, blocks named by
number: ``RO_B000`` the DSN flux the return is about, ``RO_B001``/``RO_B002`` the return itself,
``RO_B003`` the verdict (OK | ANO), ``RO_B004`` one action expected from the declarant, with its
details (``RO_B005``: individuals ``RO_B006``, fields ``RO_B007`` and their accepted values
``RO_B010``), payroll parameters (``RO_B008``) and identity gaps (``RO_B009``). The 2026 schema
defines no block beyond ``RO_B010``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from coursier.models.returns.gipmds import normalise_field
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
    to_datetime,
)

NEORES_NS = "https://gipmds/1.0"


@dataclass(frozen=True)
class FctuIndividual:
    """RO_B006: the person and contract an action is about."""

    nir: str | None
    ntt: str | None
    family_name: str | None
    first_name: str | None
    payroll_number: str | None
    contract_start: date | None
    contract_number: str | None
    birth_date: str | None  # may hold 99 for an unknown day or month


@dataclass(frozen=True)
class FctuField:
    """RO_B007: a declared DSN field, the value the organisation expects, and why."""

    field: str
    declared: str | None
    suggested: str | None
    result: str | None
    accepted: tuple[str, ...] = ()


@dataclass(frozen=True)
class FctuDetail:
    """RO_B005: one occurrence of the problem."""

    text: str | None
    period_start: date | None
    period_end: date | None
    individuals: tuple[FctuIndividual, ...]
    fields: tuple[FctuField, ...]


@dataclass(frozen=True)
class FctuParameter:
    """RO_B008: a payroll parameter to take into account."""

    kind: str
    value: str
    effective: date | None
    effective_end: date | None
    field: str | None


@dataclass(frozen=True)
class FctuIdentityGap:
    """RO_B009: an individual whose declared identity differs from the reference one."""

    declared_nir: str | None
    declared_ntt: str | None
    reference_nir: str | None
    declared_family_name: str | None
    reference_family_name: str | None
    declared_first_name: str | None
    reference_first_name: str | None
    declared_birth_date: str | None
    reference_birth_date: str | None
    payroll_number: str | None


@dataclass(frozen=True)
class FctuAction:
    """RO_B004: what the organisation found and what the declarant must do about it."""

    code: str
    label: str
    action_type: str | None
    level: str | None
    data_category: str | None
    result: str | None
    control: str | None
    reference: str | None
    expected_action: str | None
    help_url: str | None
    consequences: str | None
    details: tuple[FctuDetail, ...] = ()
    parameters: tuple[FctuParameter, ...] = ()
    identity_gaps: tuple[FctuIdentityGap, ...] = ()


@dataclass(frozen=True)
class CrmFctu:
    """A NEOReS return (CRM FCTU 135 and its kin) on one declaration of a DSN flux."""

    norm_version: str | None
    idflux: str
    rank: str | None
    sender_siret: str | None
    declared_siret: str | None
    fraction: str | None
    month: date | None
    declaration_type: str | None
    test_or_real: str | None
    trigger: str | None
    return_id: str | None
    return_code: str | None
    return_label: str | None
    return_type: str | None
    organisation: str | None
    organisation_id: str | None
    processed_at: datetime | None
    produced_at: datetime | None
    domain: str | None
    conformity: str | None
    actions: tuple[FctuAction, ...]

    @property
    def state(self) -> str | None:
        """``OK`` (no gap found) or ``ANO`` (gaps to correct), as RO_B003_R002 says."""
        return self.conformity

    @property
    def is_ok(self) -> bool:
        return self.conformity != "ANO" and not self.actions

    def messages(self) -> list[str]:
        """One readable French line per action: code, label, then what to do."""
        lines = []
        for action in self.actions:
            todo = f" — {action.expected_action}" if action.expected_action else ""
            lines.append(f"{action.code} : {action.label}{todo}")
        return lines


def is_neores(root: etree._Element) -> bool:
    return local_name(root) == "GIPMDS" and namespace(root) == NEORES_NS


def parse_crm_fctu(data: bytes) -> CrmFctu:
    """Read a NEOReS return; :class:`ReturnParseError` when it is not one."""
    root = safe_fromstring(data)
    if not is_neores(root):
        raise ReturnParseError(
            f"racine <{local_name(root) or '?'}> inattendue : un retour NEOReS est un "
            f"<GIPMDS> de l'espace de noms {NEORES_NS}"
        )
    return read_crm_fctu(root)


def read_crm_fctu(root: etree._Element) -> CrmFctu:
    envelope = required(root, "RO", "<GIPMDS>")
    flux = required(envelope, "RO_B000", "<RO>")
    idflux = text(flux, "RO_B000_R001")
    if idflux is None:
        raise ReturnParseError("identifiant du flux (RO_B000_R001) manquant")
    profile = required(envelope, "RO_B001", "<RO>")
    context = required(profile, "RO_B002", "<RO_B001>")
    verdict = child(context, "RO_B003")
    return CrmFctu(
        norm_version=text(envelope, "RO_R001"),
        idflux=idflux,
        rank=text(flux, "RO_B000_R002"),
        sender_siret=text(flux, "RO_B000_R003"),
        declared_siret=text(flux, "RO_B000_R004"),
        fraction=text(flux, "RO_B000_R005"),
        month=_date(flux, "RO_B000_R006"),
        declaration_type=text(flux, "RO_B000_R011"),
        test_or_real=text(flux, "RO_B000_R013"),
        trigger=text(profile, "RO_B001_R001"),
        return_id=text(context, "RO_B002_R001"),
        return_code=text(context, "RO_B002_R002"),
        return_label=text(context, "RO_B002_R003"),
        return_type=text(context, "RO_B002_R004"),
        organisation=text(context, "RO_B002_R005"),
        organisation_id=text(context, "RO_B002_R006"),
        processed_at=_timestamp(context, "RO_B002_R010"),
        produced_at=_timestamp(context, "RO_B002_R011"),
        domain=text(verdict, "RO_B003_R001"),
        conformity=text(verdict, "RO_B003_R002"),
        actions=tuple(_action(a) for a in children(context, "RO_B004")),
    )


def _date(parent: etree._Element | None, name: str) -> date | None:
    return convert(text(parent, name), to_date, name)


def _timestamp(parent: etree._Element, name: str) -> datetime | None:
    """An XML timestamp; a naive one is a Paris time."""
    moment = convert(text(parent, name), to_datetime, name)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment


def _action(element: etree._Element) -> FctuAction:
    code = text(element, "RO_B004_R001")
    if code is None:
        raise ReturnParseError("code du traitement (RO_B004_R001) manquant")
    return FctuAction(
        code=code,
        label=squash(text(element, "RO_B004_R002")) or "",
        action_type=text(element, "RO_B004_R003"),
        level=text(element, "RO_B004_R004"),
        data_category=text(element, "RO_B004_R005"),
        result=text(element, "RO_B004_R006"),
        control=squash(text(element, "RO_B004_R011")),
        reference=squash(text(element, "RO_B004_R012")),
        expected_action=squash(text(element, "RO_B004_R013")),
        help_url=text(element, "RO_B004_R014"),
        consequences=squash(text(element, "RO_B004_R015")),
        details=tuple(_detail(d) for d in children(element, "RO_B005")),
        parameters=tuple(_parameter(p) for p in children(element, "RO_B008")),
        identity_gaps=tuple(_identity_gap(g) for g in children(element, "RO_B009")),
    )


def _detail(element: etree._Element) -> FctuDetail:
    return FctuDetail(
        text=squash(text(element, "RO_B005_R001")),
        period_start=_date(element, "RO_B005_R002"),
        period_end=_date(element, "RO_B005_R003"),
        individuals=tuple(_individual(i) for i in children(element, "RO_B006")),
        fields=tuple(_field(f) for f in children(element, "RO_B007")),
    )


def _individual(element: etree._Element) -> FctuIndividual:
    return FctuIndividual(
        nir=text(element, "RO_B006_R001"),
        ntt=text(element, "RO_B006_R002"),
        family_name=text(element, "RO_B006_R003"),
        first_name=text(element, "RO_B006_R004"),
        payroll_number=text(element, "RO_B006_R005"),
        contract_start=_date(element, "RO_B006_R006"),
        contract_number=text(element, "RO_B006_R007"),
        birth_date=text(element, "RO_B006_R008"),
    )


def _field(element: etree._Element) -> FctuField:
    field = normalise_field(text(element, "RO_B007_R001"))
    if field is None:
        raise ReturnParseError("code de rubrique (RO_B007_R001) manquant")
    return FctuField(
        field=field,
        declared=text(element, "RO_B007_R002"),
        suggested=text(element, "RO_B007_R003"),
        result=text(element, "RO_B007_R009"),
        accepted=tuple(
            value
            for value in (text(a, "RO_B010_R001") for a in children(element, "RO_B010"))
            if value
        ),
    )


def _parameter(element: etree._Element) -> FctuParameter:
    return FctuParameter(
        kind=text(element, "RO_B008_R001") or "",
        value=text(element, "RO_B008_R002") or "",
        effective=_date(element, "RO_B008_R003"),
        effective_end=_date(element, "RO_B008_R004"),
        field=text(element, "RO_B008_R005"),
    )


def _identity_gap(element: etree._Element) -> FctuIdentityGap:
    return FctuIdentityGap(
        declared_nir=text(element, "RO_B009_R001"),
        declared_ntt=text(element, "RO_B009_R002"),
        reference_nir=text(element, "RO_B009_R003"),
        declared_family_name=text(element, "RO_B009_R004"),
        reference_family_name=text(element, "RO_B009_R005"),
        declared_first_name=text(element, "RO_B009_R006"),
        reference_first_name=text(element, "RO_B009_R007"),
        declared_birth_date=text(element, "RO_B009_R008"),
        reference_birth_date=text(element, "RO_B009_R009"),
        payroll_number=text(element, "RO_B009_R010"),
    )
