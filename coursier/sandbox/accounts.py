"""Accounts of a sandbox platform, and the login rules of PROTOCOLS.md §1.

An account logs in with its SIRET, last name, first name and password for one service code,
and may declare for a set of SIRET (``"*"``: any, as the official simulator's test declarant
does). Its state decides the answer: locked → 403, expired password or not registered → 401
with the realm the platform uses; a service it is not registered for is refused like a wrong
password (``Basic realm="net-entreprises.fr"``), as the official simulator does. Passwords are
``SecretStr``: they never appear in a repr, a log line or the inspection API.

A concentrateur account (service 98) acts for the declarants named in its ``declarants``
(their SIRET, ``"*"``: every active declarant account): it names one on each call, by SIRET,
last name and first name, and what it deposits is that declarant's. The seeded one is the
official simulator's (18751249600022 / CTR2000 / concentrateur / azerty), acting for the
simulator's declarant 98765432109876 and for the sandbox's own active account — not for the
test declarant 99900000300015, which the simulator refuses (recording 36).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from coursier.models.dsn.samples import Employer

ANY_SIRET = "*"
TEST_SERVICE, PRODUCTION_SERVICE, CONCENTRATEUR_SERVICE = "97", "25", "98"
AGRICULTURAL_TEST_SERVICE = "94"


class AccountState(StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"
    PASSWORD_EXPIRED = "password_expired"  # noqa: S105 - a state, not a password
    NOT_REGISTERED = "not_registered"


class Account(BaseModel):
    """A declarant account (``POST /_sandbox/accounts`` takes this shape as JSON)."""

    model_config = ConfigDict(frozen=True)

    siret: str = Field(pattern=r"^\d{14}$")
    nom: str = Field(min_length=1, max_length=64)
    prenom: str = Field(min_length=1, max_length=39)
    motdepasse: SecretStr
    services: frozenset[str] = frozenset({PRODUCTION_SERVICE, TEST_SERVICE})
    state: AccountState = AccountState.ACTIVE
    sirets: frozenset[str] = frozenset()
    declarants: frozenset[str] = frozenset()

    @property
    def is_concentrateur(self) -> bool:
        return CONCENTRATEUR_SERVICE in self.services

    def may_act_for(self, declarant: Account) -> bool:
        """A concentrateur may act for an active declarant account it names (or any, "*")."""
        return (
            self.is_concentrateur
            and not declarant.is_concentrateur
            and declarant.state is AccountState.ACTIVE
            and (declarant.siret in self.declarants or ANY_SIRET in self.declarants)
        )

    def may_declare_for(self, siret: str | None) -> bool:
        """Its own SIRET, the SIRET it is authorised for, or any with ``"*"``."""
        return siret is not None and (
            siret == self.siret or siret in self.sirets or ANY_SIRET in self.sirets
        )

    def public(self) -> dict[str, object]:
        """What the inspection API shows: everything but the password."""
        return {
            "siret": self.siret,
            "nom": self.nom,
            "prenom": self.prenom,
            "services": sorted(self.services),
            "state": str(self.state),
            "sirets": sorted(self.sirets),
            "declarants": sorted(self.declarants),
        }


#: The official API simulator's test declarant (public, documented in the platform's kit).
TEST_DECLARANT = Account(
    siret="99900000300015",
    nom="declarant",
    prenom="declarant",
    motdepasse=SecretStr("Refonte01"),
    services=frozenset({TEST_SERVICE, AGRICULTURAL_TEST_SERVICE}),  # recordings 01, 02
    sirets=frozenset({ANY_SIRET}),
)


#: The declarant the official simulator's concentrateur acts for (TestData.declarantInscrit).
SIMULATOR_DECLARANT_SIRET = "98765432109876"
#: The official API simulator's concentrateur (public, documented in the platform's kit).
CONCENTRATEUR_IDENTITY = {
    "siret": "18751249600022",
    "nom": "CTR2000",
    "prenom": "concentrateur",
    "motdepasse": SecretStr("azerty"),
}


def seeded_accounts(seed: int) -> list[Account]:
    """The test declarant, one account per state, then the simulator's declarant and its
    concentrateur, reproducible from ``seed``.

    The active one is authorised for three sample employers (``Employer.from_seed``), so that
    sample files of those employers can be deposited with it, by itself or by the concentrateur.
    """
    rng = random.Random(f"accounts:{seed}")  # noqa: S311 - reproducible fixtures
    accounts = [TEST_DECLARANT]
    for index, state in enumerate(AccountState):
        owner = Employer.from_seed(seed * 100 + 90 + index)
        authorised = (
            frozenset(Employer.from_seed(seed * 100 + n).siret for n in range(3))
            if state is AccountState.ACTIVE
            else frozenset()
        )
        accounts.append(
            Account(
                siret=owner.siret,
                nom=f"GESTIONNAIRE{index + 1}",
                prenom="Paie",
                motdepasse=SecretStr(f"Sbx-{rng.randrange(10**8):08d}"),
                state=state,
                sirets=authorised,
            )
        )
    active = accounts[1]
    accounts.append(
        Account(
            siret=SIMULATOR_DECLARANT_SIRET,
            nom="declarant",
            prenom="declarant",
            motdepasse=SecretStr(f"Sbx-{rng.randrange(10**8):08d}"),
            services=frozenset({TEST_SERVICE}),
            sirets=frozenset({ANY_SIRET}),
        )
    )
    accounts.append(
        Account(
            **CONCENTRATEUR_IDENTITY,
            services=frozenset({CONCENTRATEUR_SERVICE}),
            declarants=frozenset({SIMULATOR_DECLARANT_SIRET, active.siret}),
        )
    )
    return accounts


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused: the status and the ``WWW-Authenticate`` to answer."""

    status: int
    challenge: str | None
    message: str


class LoginRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


BAD_LOGIN = Refusal(
    401,
    'Basic realm="net-entreprises.fr"',
    "Identifiants incorrects : vérifiez SIRET, nom, prénom et mot de passe.",
)
PASSWORD_EXPIRED = Refusal(
    401,
    'Basic realm="Expiration du mot de passe"',
    "Mot de passe expiré : renouvelez-le sur le portail de la plateforme.",
)
NOT_REGISTERED = Refusal(
    401,
    'DSNLogin realm="Utilisateur non-inscrit au service"',
    "Utilisateur non inscrit à ce service : inscrivez-le sur le portail de la plateforme.",
)
LOCKED = Refusal(403, None, "Compte bloqué : débloquez-le sur le portail de la plateforme.")


def check_login(
    accounts: list[Account], siret: str, nom: str, prenom: str, motdepasse: str, service: str
) -> Account:
    """The account these identifiers open for ``service``; :class:`LoginRefused` otherwise."""
    match = next(
        (
            a
            for a in accounts
            if a.siret == siret
            and a.nom.casefold() == nom.casefold()
            and a.prenom.casefold() == prenom.casefold()
            and secrets.compare_digest(
                a.motdepasse.get_secret_value().encode(), motdepasse.encode()
            )
        ),
        None,
    )
    if match is None:
        raise LoginRefused(BAD_LOGIN)
    if match.state is AccountState.LOCKED:
        raise LoginRefused(LOCKED)
    if match.state is AccountState.PASSWORD_EXPIRED:
        raise LoginRefused(PASSWORD_EXPIRED)
    if match.state is AccountState.NOT_REGISTERED:
        raise LoginRefused(NOT_REGISTERED)
    if service not in match.services:  # the simulator: 401 Basic (recordings 04, 14)
        raise LoginRefused(BAD_LOGIN)
    return match


def find_declarant(accounts: list[Account], siret: str, nom: str, prenom: str) -> Account | None:
    """The declarant account a concentrateur names (names compared without case)."""
    return next(
        (
            a
            for a in accounts
            if a.siret == siret
            and a.nom.casefold() == nom.casefold()
            and a.prenom.casefold() == prenom.casefold()
        ),
        None,
    )
