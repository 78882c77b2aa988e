"""The declarant a concentrateur account acts for (PROTOCOLS.md §1).

A concentrateur (service 98: a payroll suite depositing for many firms) logs in once, then names
on every call the declarant it acts for, in ``Authorization: DSNLogin
concentrateur=<token>,declarant=<base64 of "SIRET;NOM;PRENOM">``. The portfolio holds that
identity per company, a dossier may override it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Declarant:
    """A declarant's identity as the platform knows it: SIRET, last name, first name."""

    siret: str
    last_name: str
    first_name: str

    def header_value(self) -> str:
        """The ``declarant=`` part of the concentrateur's Authorization header."""
        identity = f"{self.siret};{self.last_name};{self.first_name}"
        return base64.b64encode(identity.encode("utf-8")).decode("ascii")
