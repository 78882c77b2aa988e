"""The seeded Cegid Loop portfolio: dossiers ready for Cegid Flow, and one dossier for each
prerequisite that can fail (PROTOCOLS.md §5, the seed's checklist), a company head whose e-mail
or mobile is not valid, an initial load that never completes, an account moving to DSP2.

A dossier is built from a :class:`DossierSpec`; its chart of accounts, journals, bank accounts
and fiscal years follow from it, so a test or the benchmark can add dossiers of any size
(``entries`` per fiscal year) with :func:`build_dossier`. Entries are not stored one by one:
page ``skip`` of a year is drawn from the entry's index (see :meth:`LoopDossier.entries`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stdnum import iban, luhn

from coursier.models.cegid_contact import HEAD_ROLE

FIRM_SUBSCRIPTION_KEY = "sandbox-subscription-key"
FIRM_API_KEY = "cabinet-sandbox"
FIRM_API_SECRET = "sandbox-api-secret"  # noqa: S105 - the sandbox firm's
FLOW_APPLICATION = "Cegid Flow"
FLOW_SERVICE = "cegid-flow"
_NAMESPACE = uuid.UUID("6f1c3c0e-8a4b-4d0f-9a51-0c36e1f0a7d2")

#: What can be wrong with a dossier, each one of the seeded dossiers.
BREAKAGES = (
    "no-bank-account",
    "bad-iban",
    "bad-bic",
    "general-account-missing",
    "general-account-unlinked",
    "no-bank-journal",
    "head-bad-email",
    "head-bad-mobile",
    "load-never-completes",
    "dsp2",
)


@dataclass(frozen=True)
class DossierSpec:
    code: str
    name: str
    entries: int = 40
    next_year: bool = False
    breakage: str | None = None


SEEDED = (
    DossierSpec("CF-PRET-01", "Boulangerie du Port", next_year=True),
    DossierSpec("CF-PRET-02", "Garage des Tilleuls"),
    DossierSpec("CF-PRET-03", "Fleurs et Jardins", entries=120),
    DossierSpec("CF-SANS-BANQUE", "Conseil Nomade", breakage="no-bank-account"),
    DossierSpec("CF-IBAN", "Menuiserie Leroux", breakage="bad-iban"),
    DossierSpec("CF-BIC", "Pharmacie Centrale", breakage="bad-bic"),
    DossierSpec("CF-COMPTE-ABSENT", "Transports Morel", breakage="general-account-missing"),
    DossierSpec("CF-COMPTE-NON-LIE", "Atelier Brun", breakage="general-account-unlinked"),
    DossierSpec("CF-SANS-JOURNAL", "Librairie Vidal", breakage="no-bank-journal"),
    DossierSpec("CF-MAIL", "Plomberie Roux", breakage="head-bad-email"),
    DossierSpec("CF-MOBILE", "Coiffure Lila", breakage="head-bad-mobile"),
    DossierSpec("CF-BLOQUE", "Imprimerie Faure", breakage="load-never-completes"),
    DossierSpec("CF-DSP2", "Épicerie Fine Mercier", breakage="dsp2"),
)


def stable_id(*parts: object) -> str:
    """A UUID drawn from its parts: the same dossier gets the same ids at every start."""
    return str(uuid.uuid5(_NAMESPACE, ":".join(map(str, parts))))


def siren_of(code: str) -> str:
    """A valid SIREN (Luhn) drawn from the dossier's code."""
    body = f"{int(uuid.uuid5(_NAMESPACE, code).int % 10**8):08d}"
    return body + luhn.calc_check_digit(body)


def siret_of(code: str) -> str:
    base = siren_of(code) + "0001"
    return base + luhn.calc_check_digit(base)


def french_iban(seed: str) -> str:
    bban = f"30004{int(uuid.uuid5(_NAMESPACE, seed).int % 10**18):018d}"[:23].ljust(23, "0")
    return "FR" + iban.calc_check_digits("FR00" + bban) + bban


@dataclass
class LoopDossier:
    """One dossier of Loop: what its resources answer, and its company head's record."""

    code: str
    name: str
    siren: str
    accounts: list[dict[str, Any]]
    journals: list[dict[str, Any]]
    bank_accounts: list[dict[str, Any]]
    fiscal_years: list[dict[str, Any]]
    entries_per_year: dict[str, int]
    head: dict[str, str]
    breakage: str | None = None
    applications: set[str] = field(default_factory=set)

    def entries(self, year_id: str, skip: int, take: int) -> list[dict[str, Any]]:
        """Entries ``skip`` to ``skip + take`` of a fiscal year, drawn from their index."""
        total = self.entries_per_year.get(year_id, 0)
        return [
            {
                "id": stable_id(self.code, year_id, "entry", i),
                "revision": 1,
                "numero": i + 1,
                "journal": ("VT", "AC", "BQ1")[i % 3],
                "exercice": year_id,
                "lignes": 2,
            }
            for i in range(skip, min(skip + take, total))
        ]


def build_dossier(spec: DossierSpec, year: int) -> LoopDossier:
    """The dossier of ``spec`` for fiscal year ``year`` (N), with N-1 and maybe N+1."""
    code, broken = spec.code, spec.breakage
    accounts = [
        {"id": stable_id(code, "compte", number), "revision": 1, "numero": number, "libelle": label}
        for number, label in (
            ("401000", "Fournisseurs"),
            ("411000", "Clients"),
            ("512000", "Banque principale"),
            ("512100", "Banque secondaire"),
            ("606000", "Achats non stockés"),
            ("706000", "Prestations de services"),
        )
        if not (broken == "general-account-missing" and number == "512000")
    ]
    journals = [
        {
            "id": stable_id(code, "journal", c),
            "revision": 1,
            "code": c,
            "libelle": label,
            "type": kind,
            "compteContrepartie": counterpart,
        }
        for c, label, kind, counterpart in (
            ("AC", "Achats", "ACHAT", None),
            ("VT", "Ventes", "VENTE", None),
            (
                "BQ1",
                "Banque principale",
                "BANQUE",
                "512100" if broken == "no-bank-journal" else "512000",
            ),
            ("OD", "Opérations diverses", "OD", None),
        )
    ]
    bank_accounts = [] if broken == "no-bank-account" else [_bank_account(code, broken)]
    if broken == "dsp2":
        second = _bank_account(code + "-2", None) | {"compteGeneral": "512100", "protocole": "DSP2"}
        journals.append(
            {
                "id": stable_id(code, "journal", "BQ2"),
                "revision": 1,
                "code": "BQ2",
                "libelle": "Banque secondaire",
                "type": "BANQUE",
                "compteContrepartie": "512100",
            }
        )
        bank_accounts.append(second | {"journal": "BQ2"})
    years = [year - 1, year] + ([year + 1] if spec.next_year else [])
    fiscal_years = [
        {
            "id": f"{code}-{y}",
            "debut": date(y, 1, 1).isoformat(),
            "fin": date(y, 12, 31).isoformat(),
        }
        for y in years
    ]
    entries = {
        fy["id"]: (spec.entries if i < 2 else spec.entries // 10)
        for i, fy in enumerate(fiscal_years)
    }
    return LoopDossier(
        code=code,
        name=spec.name,
        siren=siren_of(code),
        accounts=accounts,
        journals=journals,
        bank_accounts=bank_accounts,
        fiscal_years=fiscal_years,
        entries_per_year=entries,
        head=_head(code, broken),
        breakage=broken,
    )


def _bank_account(code: str, broken: str | None) -> dict[str, Any]:
    number = french_iban(code)
    if broken == "bad-iban":
        number = number[:-1] + str((int(number[-1]) + 1) % 10)
    return {
        "id": stable_id(code, "banque"),
        "revision": 1,
        "libelle": "Compte courant",
        "iban": number,
        "bic": "BNPA1RPP" if broken == "bad-bic" else "BNPAFRPPXXX",
        "compteGeneral": None if broken == "general-account-unlinked" else "512000",
        "journal": "BQ1",
        "protocole": "CFONB",
    }


def _head(code: str, broken: str | None) -> dict[str, str]:
    local = code.lower().replace("-", ".")
    return {
        "nom": "Dupont",
        "prenom": "Mathieu",
        "mobile": "01 45 67 89 10" if broken == "head-bad-mobile" else "06 06 06 06 06",
        "email": "@.com" if broken == "head-bad-email" else f"dirigeant@{local}.example.fr",
        "role": HEAD_ROLE,
    }


def portfolio_document(specs: tuple[DossierSpec, ...] = SEEDED) -> dict[str, Any]:
    """The portfolio (as ``coursier portfolio import`` reads it) of these dossiers: one French
    company each, every dossier taking part in cegid-flow on cegid-loop."""
    return {
        "directories": [
            {
                "code": "CEGID",
                "name": "Dossiers Cegid Loop",
                "companies": [
                    {
                        "siren": siren_of(s.code),
                        "name": s.name,
                        "dossiers": [
                            {
                                "code": s.code,
                                "name": s.name,
                                "sirets": [siret_of(s.code)],
                                "platforms": {"cegid-flow": "cegid-loop"},
                            }
                        ],
                    }
                    for s in specs
                ],
            }
        ]
    }
