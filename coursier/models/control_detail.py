"""The detail behind a row of the control table: every return received and every anomaly.

The seed's right-click « détail des différents comptes-rendus »: for each return its nature,
status, date and version, and for each anomaly its code, whether it blocks, its message, the
rubrique and value, and the employee (NIR or NTT, payroll number) as far as the return's format
carries them (``gipmds:rapport`` and the DGFiP CRM in :mod:`coursier.models.returns.gipmds`,
the NEOReS CRM FCTU in :mod:`coursier.models.returns.neores`). A file stopped before it was
sent has only its self-check anomalies, kept in the ledger as ``Anomaly.as_dict`` wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

from coursier.models.anomaly_place import where_it_applies

if TYPE_CHECKING:
    from coursier.models.returns.rapport import CrmFctu, ReturnAnomaly

SELF_CHECK = "autocontrôle"
#: The returns a person reads, by nature (as ``lister-retours`` names them).
RETURN_LABELS = {
    "10": "Accusé de réception (AEE/ARE)",
    "11": "Bilan d'anomalies (BAN/CCO)",
    "20": "Identification des salariés (BIS)",
    "21": "Contrôles inter-déclarations (AED)",
    "44": "Attestation employeur rematérialisée (AER)",
    "93": "CRM financier DGFiP",
    "94": "CRM nominatif DGFiP",
    "95": "CRM taux sur taux DGFiP",
    "135": "CRM FCTU France Travail",
}
#: Returns that are documents to keep, not reports to read (the AER is a PDF).
NOT_REPORTS = frozenset({"44"})


class AnomalyDetail(BaseModel):
    """One anomaly, from the self-check or from a return, in one shape."""

    source: str  # "autocontrôle", or the return's nature ("11", "94" …)
    code: str
    blocking: bool
    message: str
    field: str | None = None  # the rubrique, S21.G00.30.010
    value: str | None = None
    line: int | None = None
    nir: str | None = None
    ntt: str | None = None
    payroll_number: str | None = None
    todo: str | None = None  # what the organisation expects the declarant to do, when it says

    @property
    def source_label(self) -> str:
        if self.source == SELF_CHECK:
            return "Autocontrôle"
        return RETURN_LABELS.get(self.source, f"Retour {self.source}")

    def describe(self) -> str:
        """One French line: code, message, then where it applies."""
        where = where_it_applies(self)
        return f"{self.code} : {self.message}" + (f" ({where})" if where else "")

    def as_table_row(self) -> dict[str, str | int]:
        """The anomaly as the ``dsn-anomalies-<dossier>`` artifact shows it."""
        return {
            "Source": self.source_label,
            "Gravité": "Bloquante" if self.blocking else "Non bloquante",
            "Code": self.code,
            "Message": self.message,
            "Rubrique": self.field or "",
            "Valeur": self.value or "",
            "Ligne": self.line or "",
            "NIR": self.nir or "",
            "NTT": self.ntt or "",
            "Matricule": self.payroll_number or "",
        }


class ReturnDetail(BaseModel):
    """One return received for a deposit, and what it says."""

    nature: str
    label: str
    status: str
    published_at: datetime | None
    version: int
    readable: Literal["oui", "non", "document"]  # "document": kept as is (an AER's PDF)
    anomalies: list[AnomalyDetail]


class StoredReturnRow(Protocol):
    """What the detail needs of a stored return."""

    nature: str
    status: str
    published_at: datetime | None
    version: int
    content: bytes | None


def return_detail(stored: StoredReturnRow) -> ReturnDetail:
    """A stored return read for people; one that cannot be read says so, never raises."""
    # Here, not at the top: `coursier dsn check` imports the table's models, never reads a return.
    from coursier.models.returns.rapport import ReturnParseError, parse_return_document

    label = RETURN_LABELS.get(stored.nature, f"Retour {stored.nature}")
    common = dict(
        nature=stored.nature,
        label=label,
        status=stored.status,
        published_at=stored.published_at,
        version=stored.version,
    )
    if stored.nature in NOT_REPORTS:
        return ReturnDetail(**common, readable="document", anomalies=[])
    try:
        document = parse_return_document(stored.content or b"")
    except ReturnParseError:
        return ReturnDetail(**common, readable="non", anomalies=[])
    return ReturnDetail(**common, readable="oui", anomalies=anomalies_of(stored.nature, document))


def anomalies_of(nature: str, document: Any) -> list[AnomalyDetail]:
    """Every anomaly a parsed return carries, whatever its format."""
    from coursier.models.returns.neores import CrmFctu

    if isinstance(document, CrmFctu):
        return list(_fctu_anomalies(nature, document))
    found = getattr(document, "all_anomalies", None) or getattr(document, "anomalies", ())
    return [_from_return(nature, anomaly) for anomaly in found]


def _from_return(nature: str, anomaly: ReturnAnomaly) -> AnomalyDetail:
    return AnomalyDetail(
        source=nature,
        code=anomaly.code,
        blocking=anomaly.is_blocking,
        message=anomaly.message,
        field=anomaly.field,
        value=anomaly.value,
        line=anomaly.line,
        nir=anomaly.nir,
        ntt=anomaly.ntt,
        payroll_number=anomaly.payroll_number,
    )


def _fctu_anomalies(nature: str, document: CrmFctu) -> Iterable[AnomalyDetail]:
    """One anomaly per occurrence of each action (its first field and individual): France
    Travail's gaps never block the FCTU, they call for an « annule et remplace »."""
    for action in document.actions:
        for detail in action.details or (None,):
            field = detail.fields[0] if detail and detail.fields else None
            person = detail.individuals[0] if detail and detail.individuals else None
            yield AnomalyDetail(
                source=nature,
                code=action.code,
                blocking=False,
                message=detail.text if detail and detail.text else action.label,
                field=field.field if field else None,
                value=field.declared if field else None,
                nir=person.nir if person else None,
                ntt=person.ntt if person else None,
                payroll_number=person.payroll_number if person else None,
                todo=action.expected_action,
            )


def self_check_anomalies(stored: Iterable[Mapping[str, Any]]) -> list[AnomalyDetail]:
    """The self-check's anomalies as the ledger keeps them (``Anomaly.as_dict``)."""
    return [
        AnomalyDetail(
            source=SELF_CHECK,
            code=str(item.get("code") or ""),
            blocking=item.get("severity") == "blocking",
            message=str(item.get("message") or ""),
            field=item.get("field"),
            line=item.get("line"),
        )
        for item in stored
    ]
