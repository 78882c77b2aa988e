"""Which platform account a deposit belongs to, and which deposits its listing cannot tell apart.

A ledger row belongs to an account identity — platform, environment, deposit host, declarant
SIRET, concentrateur or not — never to a platform name alone: two accounts with the same SIRET
on two endpoints (production and test, Net-Entreprises and IZILIO, a declarant's own login and a
concentrateur acting for it) list different deposits, and reconciling one must never touch the
other's rows.

The platform's ``lister-depots`` shows an idflux, a time and a status, nothing of the file; only
the bilan (nature 11) names the declaration (SIRET, nature, type, and sometimes the month and the
``identifiant_metier``). Two deposits of the same account, SIRET, nature and type whose fate is
unknown at once could therefore never be told apart: the store lets at most one deposit of each
such group be in flight or unknown at a time (``open_slot``), and the others wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AccountIdentity:
    """One account on one platform endpoint, as its listings see it."""

    platform: str
    environment: str
    deposit_host: str  # the deposit base URL: two endpoints of one platform are two accounts
    declarant_siret: str  # for a concentrateur: the declarant it acts for
    concentrateur: bool = False

    @property
    def key(self) -> str:
        """A stable text key for the store: every part, in order."""
        role = "concentrateur" if self.concentrateur else "declarant"
        return "|".join(
            (self.platform, self.environment, self.deposit_host, self.declarant_siret, role)
        )


def group_key(siret: str | None, nature: str | None, declaration_type: str | None) -> str:
    """The group of deposits a bilan cannot tell apart: same SIRET, nature and type.

    The month and the ``identifiant_metier`` are not part of it: the official bilans do not
    always carry them (the CCO example has no ``mois``), so they only confirm a match.
    """
    return "|".join(part or "?" for part in (siret, nature, declaration_type))


@dataclass(frozen=True)
class DeclarationIdentity:
    """What a bilan says of the declaration a listed deposit carried."""

    siret: str | None
    nature: str | None
    declaration_type: str | None
    month: date | None = None
    business_id: str | None = None

    @property
    def group(self) -> str:
        return group_key(self.siret, self.nature, self.declaration_type)

    def confirms(self, month: date | None, business_id: str | None) -> bool:
        """No contradiction on what only some bilans carry (month, identifiant métier)."""
        return all(
            mine is None or theirs is None or mine == theirs
            for mine, theirs in ((month, self.month), (business_id, self.business_id))
        )
