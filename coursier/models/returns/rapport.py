"""Typed return documents of the DSN platforms, and one entry point that reads any of them.

``gipmds:rapport`` (namespace ``http://www.gip-mds.fr/``, ``dsn_bilans_v02r03.xsd``) is the
shape of every classic return; its ``type`` attribute names it:

=====================  ======  ===============================================================
type                   nature  what it says
=====================  ======  ===============================================================
AEE / ARE              10      deposit registered / rejected (ARE: e.g. ``B1-105-15``)
CCO / BAN              11      declaration conform (certificate) / anomaly report (KO)
20 (BIS)               20      identification of the employees (SNGI)
21 (AED)               21      inter-declaration checks (employer certificate, …)
CRM financier          93      DGFiP: PAS payment (:class:`CrmFinancier`)
CRM nominatif          94      DGFiP: PAS rates per employee (:class:`CrmNominatif`)
CRM taux sur taux      95      DGFiP: applied vs transmitted rates (:class:`CrmTauxSurTaux`)
=====================  ======  ===============================================================

NEOReS returns (e.g. the CRM FCTU 135) have their own root: see :mod:`.neores`.
:func:`parse_rapport` gives the generic view of any ``gipmds:rapport``;
:func:`parse_return_document` gives the most specific model of any return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from coursier.models.returns.crm import (
    CRM_FINANCIER,
    CRM_NOMINATIF,
    CRM_TAUX_SUR_TAUX,
    CrmFinancier,
    CrmNominatif,
    CrmTauxSurTaux,
    PasRate,
    RateDiscrepancy,
    parse_crm_financier,
    parse_crm_nominatif,
    parse_crm_taux_sur_taux,
)
from coursier.models.returns.gipmds import (
    BLOCKING,
    GIPMDS_NS,
    NON_BLOCKING,
    DeclarationResult,
    ReturnAnomaly,
    rapport_root,
    read_declarations,
    read_envoi,
)
from coursier.models.returns.neores import CrmFctu, is_neores, parse_crm_fctu, read_crm_fctu
from coursier.models.returns.xml import (
    ReturnParseError,
    local_name,
    namespace,
    safe_fromstring,
    squash,
)

__all__ = [
    "BLOCKING",
    "NATURES",
    "NON_BLOCKING",
    "CrmFctu",
    "CrmFinancier",
    "CrmNominatif",
    "CrmTauxSurTaux",
    "DeclarationResult",
    "PasRate",
    "Rapport",
    "RateDiscrepancy",
    "ReturnAnomaly",
    "ReturnDocument",
    "ReturnParseError",
    "parse_crm_fctu",
    "parse_crm_financier",
    "parse_crm_nominatif",
    "parse_crm_taux_sur_taux",
    "parse_rapport",
    "parse_return_document",
]

#: The return nature (as listed by ``lister-retours``) of each ``gipmds:rapport`` type.
NATURES = {
    "AEE": "10",
    "ARE": "10",
    "CCO": "11",
    "BAN": "11",
    "20": "20",
    "21": "21",
    CRM_FINANCIER: "93",
    CRM_NOMINATIF: "94",
    CRM_TAUX_SUR_TAUX: "95",
}


@dataclass(frozen=True)
class Rapport:
    """Any ``gipmds:rapport``: the flux, its state, its declarations and every anomaly.

    ``anomalies`` are the envoi-level ones (an ARE's ``B1-105-15``); each declaration carries
    its own. ``state`` is ``envoi_etat`` as written (OK | KO, sometimes ANO).
    """

    type: str
    idflux: str | None
    sender_siret: str | None
    state: str | None
    received_at: datetime | None
    declarations: tuple[DeclarationResult, ...]
    anomalies: tuple[ReturnAnomaly, ...]
    declarant_siret: str | None = None
    message: str | None = None
    filename: str | None = None
    document: bytes = field(default=b"", repr=False, compare=False)
    """The bytes it was read from, as the platform wrote them."""

    @property
    def nature(self) -> str | None:
        """The return nature (``10``, ``11``, ``94`` …), or ``None`` for an unknown type."""
        return NATURES.get(self.type)

    @property
    def all_anomalies(self) -> tuple[ReturnAnomaly, ...]:
        return self.anomalies + tuple(a for d in self.declarations for a in d.anomalies)

    @property
    def blocking_count(self) -> int:
        return sum(a.is_blocking for a in self.all_anomalies)

    @property
    def is_ok(self) -> bool:
        """Accepted: no KO state and no blocking anomaly (non-blocking ones may remain)."""
        states = [self.state, *(d.state for d in self.declarations)]
        return "KO" not in states and self.blocking_count == 0

    @property
    def overall_state(self) -> str:
        """``KO`` blocking, ``ANO`` accepted with anomalies to check, ``OK`` nothing to correct."""
        if not self.is_ok:
            return "KO"
        states = [self.state, *(d.state for d in self.declarations)]
        return "ANO" if self.all_anomalies or "ANO" in states else "OK"

    def messages(self) -> list[str]:
        """Readable French lines for users: the platform's message, then each anomaly."""
        lines = [self.message] if self.message else []
        lines.extend(a.describe() for a in self.all_anomalies)
        return lines


ReturnDocument = Rapport | CrmNominatif | CrmFinancier | CrmTauxSurTaux | CrmFctu


def parse_rapport(data: bytes) -> Rapport:
    """The generic view of any ``gipmds:rapport`` (AEE, ARE, BAN, CCO, BIS, AED, CRM …)."""
    root = rapport_root(data)
    envoi = read_envoi(root)
    return Rapport(
        type=root.get("type", "").strip(),
        idflux=envoi.idflux,
        sender_siret=envoi.sender_siret,
        state=envoi.state,
        received_at=envoi.received_at,
        declarations=read_declarations(root),
        anomalies=envoi.anomalies,
        declarant_siret=envoi.declarant_siret,
        message=squash(root.get("message")),
        filename=envoi.filename,
        document=data,
    )


_SPECIFIC = {
    CRM_NOMINATIF: parse_crm_nominatif,
    CRM_FINANCIER: parse_crm_financier,
    CRM_TAUX_SUR_TAUX: parse_crm_taux_sur_taux,
}


def parse_return_document(data: bytes) -> ReturnDocument:
    """The most specific model of any return: a CRM model for 93/94/95, :class:`CrmFctu` for
    NEOReS, :class:`Rapport` for every other ``gipmds:rapport``.

    :class:`ReturnParseError` for anything else (not XML, a DTD, an unknown root …).
    """
    root = safe_fromstring(data)
    if is_neores(root):
        return read_crm_fctu(root)
    if local_name(root) == "rapport" and namespace(root) == GIPMDS_NS:
        specific = _SPECIFIC.get((root.get("type") or "").strip())
        return specific(data) if specific else parse_rapport(data)
    raise ReturnParseError(
        f"document inconnu : racine <{local_name(root) or '?'}>, attendu gipmds:rapport "
        "ou un retour NEOReS <GIPMDS>"
    )
