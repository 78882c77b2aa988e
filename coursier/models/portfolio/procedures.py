"""The procedures a dossier takes part in, the countries each serves and the platforms it
knows: the one table a new procedure adds a line to.

A dossier names, per procedure, the platform it uses there (``platforms: {dsn: izilio,
hr-sync: payflip}``): the external system whose account and credentials differ from one dossier
to the next. A procedure whose other end is fixed names only the end that varies: ``hr-sync``
always reads Securex and writes the platform named (Payflip); ``client-import`` always writes
Accounton and reads the platform named (AdminPulse or Admin IS).

Countries: a company is French (SIREN) or Belgian (enterprise number); a procedure serves the
countries whose administrations and platforms it speaks to (the DSN is French only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Country = Literal["FR", "BE"]
COUNTRIES: tuple[Country, ...] = get_args(Country)
COUNTRY_LABELS: dict[Country, str] = {"FR": "françaises", "BE": "belges"}

DsnPlatform = Literal["net-entreprises", "izilio"]
DSN_PLATFORMS: tuple[DsnPlatform, ...] = get_args(DsnPlatform)


@dataclass(frozen=True)
class Procedure:
    """A procedure as the portfolio sees it: its key in ``platforms``, what it does (French,
    for messages), the countries it serves and the platforms a dossier may name for it."""

    key: str
    label: str
    countries: tuple[Country, ...]
    platforms: tuple[str, ...]


PROCEDURES: dict[str, Procedure] = {
    procedure.key: procedure
    for procedure in (
        Procedure("dsn", "dépôt des DSN", ("FR",), DSN_PLATFORMS),
        # CRM returns are listed by the platform the DSN was deposited on.
        Procedure("pas", "taux PAS des CRM", ("FR",), DSN_PLATFORMS),
        Procedure("hr-sync", "synchronisation RH Securex → Payflip", ("BE",), ("payflip",)),
        Procedure(
            "client-import",
            "import des clients dans Accounton",
            ("BE",),
            ("adminpulse", "admin-is"),
        ),
        Procedure("cegid-flow", "mise en service Cegid Flow", ("FR",), ("cegid-loop",)),
    )
}
DSN = "dsn"
"""The procedure a dossier's ``platform`` (one value, as files wrote it before ``platforms``)
is for."""


def procedures_of(country: Country) -> list[Procedure]:
    """The procedures a company of ``country`` may take part in, in the table's order."""
    return [p for p in PROCEDURES.values() if country in p.countries]


def unknown_procedure(key: object) -> str:
    return f"procédure {key!r} inconnue : {', '.join(PROCEDURES)}"


def not_for_country(procedure: Procedure, country: str) -> str:
    """Why a company of ``country`` cannot take part in ``procedure``, and what to do."""
    served = " et ".join(f"{COUNTRY_LABELS[c]} (country: {c})" for c in procedure.countries)
    return (
        f"la procédure {procedure.key} ({procedure.label}) est réservée aux entreprises "
        f"{served} : retirez-la de ce dossier, ou vérifiez le pays de l'entreprise"
    )


def unknown_platform(procedure: Procedure, platform: object) -> str:
    return (
        f"plateforme {platform!r} inconnue pour la procédure {procedure.key} : "
        f"{' ou '.join(procedure.platforms)}"
    )
