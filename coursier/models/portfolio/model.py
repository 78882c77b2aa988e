"""What a firm manages: data directories, the companies (SIREN) in them, and the dossiers of
each company with their establishments (SIRET) and the platform they deposit on. A company, and
a dossier overriding it, may name the declarant a concentrateur account acts for.

Each level validates its own fields (identifiers by python-stdnum); ``consistency_problems``
checks what spans levels: every SIRET belongs to its company's SIREN, codes are unique, and two
codes never share the slug that names their credentials.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
)
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from coursier.models.declarant import Declarant

Platform = Literal["net-entreprises", "izilio"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)

Location = tuple[str | int, ...]
"""Where a value sits in a portfolio, as pydantic writes it: ("directories", 0, "code")."""

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(key: str) -> str:
    """``key`` in Prefect's block-name alphabet: lowercase ASCII letters and digits, every run
    of anything else (``_``, spaces, dots, dashes) one dash, accents dropped: ``CCH_001`` →
    ``cch-001``, ``Société Générale`` → ``societe-generale``. Never contains ``--``."""
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    result = _NOT_SLUG.sub("-", ascii_key.lower()).strip("-")
    if not result:
        raise ValueError(f"le code {key!r} ne contient ni lettre ni chiffre : changez-le")
    return result


def _identifier(module: ModuleType, label: str, value: str) -> str:
    if not value.strip():
        raise ValueError("vide : renseignez-le")
    try:
        return module.validate(value)
    except InvalidLength:
        raise ValueError(
            f"{label} {value!r} n'a pas le bon nombre de chiffres : corrigez le numéro"
        ) from None
    except InvalidChecksum:
        raise ValueError(
            f"{label} {value!r} a une clé de contrôle fausse : vérifiez chaque chiffre"
        ) from None
    except ValidationError:
        raise ValueError(f"{label} {value!r} ne doit contenir que des chiffres") from None


def _siren(value: str) -> str:
    return _identifier(stdnum_siren, "le SIREN", value)


def _siret(value: str) -> str:
    return _identifier(stdnum_siret, "le SIRET", value)


def _sluggable(value: str) -> str:
    slug(value)
    return value


def _lowercase(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _deduplicated(values: Any) -> Any:
    return tuple(dict.fromkeys(values)) if isinstance(values, list | tuple) else values


Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
# The platform receives the declarant as "SIRET;NOM;PRENOM": a ";" or a line break in a name
# would shift or split the fields.
_NOT_IN_NAMES = re.compile(r"[;\x00-\x1f\x7f]")


def _declarant_name(value: str) -> str:
    if _NOT_IN_NAMES.search(value):
        raise ValueError(
            "ne doit contenir ni « ; » ni saut de ligne, tabulation ou autre caractère de "
            "contrôle : écrivez le nom comme sur le compte du déclarant"
        )
    return value


# The platform's limits (it answers 422 beyond them), as for the account's own names.
LastName = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_declarant_name),
]
FirstName = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=39),
    AfterValidator(_declarant_name),
]
Code = Annotated[Text, AfterValidator(_sluggable)]
Siren = Annotated[StrictStr, AfterValidator(_siren)]
Siret = Annotated[StrictStr, AfterValidator(_siret)]


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeclarantIdentity(_Entry):
    """The declarant a concentrateur account (service 98) acts for, as the platform knows it:
    SIRET, last name (64 characters at most), first name (39 at most). Its SIRET is the
    declarant's, not necessarily one of the company's."""

    siret: Siret
    last_name: LastName
    first_name: FirstName

    def as_declarant(self) -> Declarant:
        return Declarant(self.siret, self.last_name, self.first_name)


class Dossier(_Entry):
    """A client file: what is declared for some establishments of one company."""

    code: Code
    name: Text
    sirets: Annotated[tuple[Siret, ...], BeforeValidator(_deduplicated), Field(min_length=1)]
    platform: Annotated[Platform, BeforeValidator(_lowercase)] = "net-entreprises"
    declarant: DeclarantIdentity | None = None
    """Overrides the company's declarant."""


class Company(_Entry):
    """A legal unit, known by its SIREN, and the dossiers kept for it."""

    siren: Siren
    name: Text
    dossiers: Annotated[tuple[Dossier, ...], Field(min_length=1)]
    declarant: DeclarantIdentity | None = None
    """The declarant of every dossier of the company that names none of its own."""


class DataDirectory(_Entry):
    """A data directory of the payroll software: a group of companies handled together."""

    code: Code
    name: Text
    companies: Annotated[tuple[Company, ...], Field(min_length=1)]


class Portfolio(_Entry):
    """Every data directory, company and dossier of a firm."""

    directories: Annotated[tuple[DataDirectory, ...], Field(min_length=1)]

    def walk(self) -> Iterator[tuple[Location, DataDirectory, Company, Dossier]]:
        """Every dossier with its company, its directory and its location."""
        for d, directory in enumerate(self.directories):
            for c, company in enumerate(directory.companies):
                for k, dossier in enumerate(company.dossiers):
                    location = ("directories", d, "companies", c, "dossiers", k)
                    yield location, directory, company, dossier


def consistency_problems(portfolio: Portfolio) -> list[tuple[Location, str]]:
    """What the fields alone cannot tell: (location, message) for every inconsistency."""
    problems: list[tuple[Location, str]] = []
    directory_slugs: dict[str, str] = {}
    sirens: set[str] = set()
    for d, directory in enumerate(portfolio.directories):
        location: Location = ("directories", d)
        problems += _duplicate(directory_slugs, directory.code, (*location, "code"), "répertoire")
        for c, company in enumerate(directory.companies):
            if company.siren in sirens:
                problems.append(
                    (
                        (*location, "companies", c, "siren"),
                        f"SIREN {company.siren} en double : une entreprise n'est décrite qu'une "
                        "fois, dans un seul répertoire de données ; regroupez ses dossiers",
                    )
                )
            sirens.add(company.siren)
    dossier_slugs: dict[str, str] = {}
    for location, _directory, company, dossier in portfolio.walk():
        problems += _duplicate(dossier_slugs, dossier.code, (*location, "code"), "dossier")
        problems += [
            (
                (*location, "sirets", s),
                f"le SIRET {siret} n'appartient pas à l'entreprise {company.siren} (il doit "
                "commencer par son SIREN) : corrigez le SIRET ou rangez le dossier sous la bonne "
                "entreprise",
            )
            for s, siret in enumerate(dossier.sirets)
            if not siret.startswith(company.siren)
        ]
    return problems


def _duplicate(
    seen: dict[str, str], code: str, location: Location, what: str
) -> list[tuple[Location, str]]:
    """A problem if ``code``, or a code with the same slug, was seen before."""
    key = slug(code)
    if key not in seen:
        seen[key] = code
        return []
    other = seen[key]
    if other == code:
        return [(location, f"code de {what} {code!r} en double : chaque code doit être unique")]
    return [
        (
            location,
            f"les codes de {what} {other!r} et {code!r} se confondent en {key!r}, le nom de "
            "leurs identifiants de connexion : renommez l'un des deux",
        )
    ]
