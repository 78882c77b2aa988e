"""The Net-Entreprises / IZILIO identifiers as a Prefect Block (PROTOCOLS.md §1).

The limits are the platform's own (it answers 422 beyond them): SIRET 14 digits, last name ≤ 64,
first name ≤ 39, password ≤ 30. The service code follows the environment (25 production, 97
the editors' test platform) unless set explicitly (26/94 agricultural, 98 concentrator: its
client then names, on each call, the declarant it acts for). ``api_version`` picks the 1.0 or
2.0 paths of deposits and listings. Base URLs default to Net-Entreprises' hosts; IZILIO
publishes none, so its URLs must be given.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple, Self

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, SecretStr, field_validator, model_validator
from stdnum.exceptions import InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

from coursier.connectors.credentials import ScopedCredentials

#: Names of this Block's documents start with it: ``net-entreprises--dossier--cch-001``.
NAME_PREFIX = "net-entreprises"

SERVICE_CODES = {
    "25": "DSN régime général",
    "26": "DSN régime agricole",
    "94": "DSN régime agricole, plateforme de test",
    "97": "plateforme de test des éditeurs",
    "98": "concentrateur",
}


class PlatformUrls(NamedTuple):
    """The four base URLs of the DSN API, without a trailing slash."""

    auth: str
    deposit: str
    consultation: str
    download: str


DEFAULT_URLS = {
    "production": PlatformUrls(
        "https://services.net-entreprises.fr",
        "https://depot.dsnrg.net-entreprises.fr",
        "https://consultation.dsnrg.net-entreprises.fr",
        "https://telechargement.dsnrg.net-entreprises.fr",
    ),
    "test": PlatformUrls(
        "https://test-services.net-entreprises.fr",
        "https://depot-edit.dsnrg.net-entreprises.fr",
        "https://consultation-edit.dsnrg.net-entreprises.fr",
        "https://telechargement-edit.dsnrg.net-entreprises.fr",
    ),
}


class NetEntreprisesCredentials(ScopedCredentials):
    """Identifiers of a Net-Entreprises (or IZILIO) declarant account, for one scope."""

    # Prefect refuses "/" in a block type name, hence not "Net-Entreprises / IZILIO".
    _block_type_name = "Net-Entreprises | IZILIO"
    _block_type_slug = "net-entreprises-credentials"
    _description = (
        "Identifiants de dépôt DSN machine à machine sur Net-Entreprises ou IZILIO, pour toute "
        "l'application, un répertoire de données, une société ou un dossier."
    )

    siret: str = Field(description="SIRET du compte déclarant (14 chiffres).")
    last_name: str = Field(min_length=1, max_length=64, description="Nom (64 caractères au plus).")
    first_name: str = Field(
        min_length=1, max_length=39, description="Prénom (39 caractères au plus)."
    )
    password: SecretStr = Field(
        min_length=1, max_length=30, description="Mot de passe (30 caractères au plus)."
    )
    email: str | None = Field(default=None, description="Courriel du déclarant.")
    platform: Literal["net-entreprises", "izilio"] = "net-entreprises"
    environment: Literal["production", "test"] = "production"
    service: str | None = Field(
        default=None,
        description="Code service : 25 ou 97 selon l'environnement si vide ; 26/94 agricole, "
        "98 concentrateur.",
    )
    api_version: Literal["1.0", "2.0"] = Field(
        default="1.0",
        description="Version de l'API DSN pour les dépôts et les listes : 1.0 (XML) ou 2.0 "
        "(JSON ; le rapport de dépôt reste du XML).",
    )
    auth_url: str | None = Field(default=None, description="Authentification (vide : défaut).")
    deposit_url: str | None = Field(default=None, description="Dépôt (vide : défaut).")
    consultation_url: str | None = Field(default=None, description="Consultation (vide : défaut).")
    download_url: str | None = Field(default=None, description="Téléchargement (vide : défaut).")

    @field_validator("siret")
    @classmethod
    def _valid_siret(cls, value: str) -> str:
        try:
            return stdnum_siret.validate(value)
        except InvalidLength:
            raise ValueError("le SIRET du compte doit compter 14 chiffres exactement") from None
        except ValidationError:
            raise ValueError(f"SIRET {value!r} invalide : vérifiez chaque chiffre") from None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(f"courriel {value!r} invalide : {exc}") from None

    @field_validator("service")
    @classmethod
    def _known_service(cls, value: str | None) -> str | None:
        if value is not None and value not in SERVICE_CODES:
            known = ", ".join(f"{code} ({label})" for code, label in SERVICE_CODES.items())
            raise ValueError(f"code service {value!r} inconnu : {known}")
        return value

    @field_validator("auth_url", "deposit_url", "consultation_url", "download_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(f"adresse {value!r} invalide : elle commence par https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _izilio_has_urls(self) -> Self:
        missing = [name for name, url in self._given_urls().items() if url is None]
        if self.platform == "izilio" and missing:
            raise ValueError(
                "IZILIO ne publie pas d'adresses par défaut : renseignez "
                + ", ".join(f"--{name.replace('_', '-')}" for name in missing)
            )
        return self

    def service_code(self) -> str:
        """The ``<service>`` of the login: the explicit one, else 25 (production) or 97 (test)."""
        return self.service or ("25" if self.environment == "production" else "97")

    def effective_urls(self) -> PlatformUrls:
        """The base URLs to call: those given, else Net-Entreprises' for the environment."""
        defaults = DEFAULT_URLS[self.environment]
        return PlatformUrls(
            *(
                url or default
                for url, default in zip(self._given_urls().values(), defaults, strict=True)
            )
        )

    def _given_urls(self) -> dict[str, str | None]:
        return {
            "auth_url": self.auth_url,
            "deposit_url": self.deposit_url,
            "consultation_url": self.consultation_url,
            "download_url": self.download_url,
        }
