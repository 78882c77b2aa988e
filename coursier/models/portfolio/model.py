"""What a firm manages: data directories, the companies in them, and the dossiers of each
company with their establishments and the platform they use for each procedure.

A company is French or Belgian (``country``, FR by default): a French one is known by its SIREN
and its establishments by their SIRET; a Belgian one by its enterprise number and its
establishments by their unit numbers (:mod:`coursier.models.portfolio.identifiers`). Each
country is its own pair of classes, so a value is checked, and a problem located, the way its
country wants: a SIRET on a Belgian company or the DSN for it is refused where it is written.

A dossier names its platform per procedure (``platforms: {dsn: izilio, pas: net-entreprises}``,
:mod:`coursier.models.portfolio.procedures`). French files written before that keep their
meaning: ``platform`` is the DSN's, and a dossier naming neither deposits its DSN on
Net-Entreprises. A French company, and a dossier overriding it, may name the declarant a
concentrateur account acts for.

Each level validates its own fields; ``consistency_problems`` checks what spans levels: every
SIRET belongs to its company's SIREN, codes and companies are unique, and two codes never share
the slug that names their credentials.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictStr,
    StringConstraints,
    Tag,
    model_validator,
)

from coursier.models.declarant import Declarant
from coursier.models.portfolio import identifiers
from coursier.models.portfolio.platforms import (
    BelgianPlatforms,
    FrenchPlatforms,
    Platforms,
    lowercase,
)
from coursier.models.portfolio.procedures import (
    COUNTRIES,
    DSN,
    DSN_PLATFORMS,
    DsnPlatform,
)
from coursier.models.safe_paths import MAX_NAME_LENGTH, safe_name

Platform = DsnPlatform
"""A platform a dossier deposits its DSN on (the name it had when it was the only one)."""
PLATFORMS = DSN_PLATFORMS

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


def _sluggable(value: str) -> str:
    slug(value)
    return value


def _uppercase(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


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
# A code names folders (AER), credentials and lines on a terminal: see safe_paths.
Code = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH),
    AfterValidator(safe_name),
    AfterValidator(_sluggable),
]
Siren = Annotated[StrictStr, AfterValidator(identifiers.siren)]
Siret = Annotated[StrictStr, AfterValidator(identifiers.siret)]
EnterpriseNumber = Annotated[StrictStr, AfterValidator(identifiers.enterprise_number)]
EstablishmentUnit = Annotated[StrictStr, AfterValidator(identifiers.establishment_unit)]


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


class _Dossier(_Entry):
    """A client file: what is done for some establishments of one company."""

    code: Code
    name: Text
    platforms: Platforms | None = None

    _example: ClassVar[dict[str, str]]
    """Platforms to suggest to a dossier that names none."""

    @property
    def procedures(self) -> dict[str, str]:
        """The platform of each procedure the dossier takes part in."""
        return self.platforms.chosen() if self.platforms is not None else {}

    def platform_for(self, procedure: str) -> str | None:
        """The dossier's platform for ``procedure``, None when it takes no part in it."""
        return self.procedures.get(procedure)

    def _check_procedures(self) -> Self:
        if not self.procedures:
            raise ValueError(
                "aucune procédure : indiquez la plateforme de chacune, par exemple platforms: "
                "{" + ", ".join(f"{k}: {v}" for k, v in self._example.items()) + "}"
            )
        return self


class FrenchDossier(_Dossier):
    """A dossier of a French company: establishments by SIRET, and the declarant a
    concentrateur acts for (overriding the company's).

    Whichever way the file named the DSN's platform (``platform``, ``platforms.dsn``, or
    neither: Net-Entreprises), the dossier holds it both ways once validated: ``platform`` is the
    DSN's (None when the dossier deposits none), ``platforms`` every procedure's, so that two
    files saying the same thing give equal dossiers.
    """

    sirets: Annotated[tuple[Siret, ...], BeforeValidator(_deduplicated), Field(min_length=1)]
    platform: Annotated[DsnPlatform | None, BeforeValidator(lowercase)] = None
    platforms: FrenchPlatforms | None = None
    declarant: DeclarantIdentity | None = None
    """Overrides the company's declarant."""

    _example: ClassVar[dict[str, str]] = {"dsn": "net-entreprises", "pas": "net-entreprises"}

    @property
    def establishments(self) -> tuple[str, ...]:
        return self.sirets

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        named = self.platforms.chosen() if self.platforms is not None else {}
        if self.platform is not None and named.get(DSN, self.platform) != self.platform:
            raise ValueError(
                f"platform ({self.platform}) et platforms.dsn ({named[DSN]}) se contredisent : "
                "gardez seulement platforms.dsn"
            )
        dsn = self.platform or ("net-entreprises" if self.platforms is None else None)
        procedures = ({DSN: dsn} if dsn else {}) | named
        # Frozen: the one place the fields are set after validation, to their single form.
        object.__setattr__(self, "platform", procedures.get(DSN))
        object.__setattr__(self, "platforms", FrenchPlatforms.model_validate(procedures))
        return self._check_procedures()


class BelgianDossier(_Dossier):
    """A dossier of a Belgian company: establishments by unit number (none is needed: the
    Belgian procedures work per company)."""

    establishments: Annotated[tuple[EstablishmentUnit, ...], BeforeValidator(_deduplicated)] = ()
    platforms: BelgianPlatforms | None = None

    _example: ClassVar[dict[str, str]] = {"hr-sync": "payflip"}

    @model_validator(mode="after")
    def _some_procedure(self) -> Self:
        return self._check_procedures()


Dossier = FrenchDossier | BelgianDossier


class FrenchCompany(_Entry):
    """A French legal unit, known by its SIREN (``siren:``, or ``number:``)."""

    country: Annotated[Literal["FR"], BeforeValidator(_uppercase)] = "FR"
    number: Siren = Field(validation_alias=AliasChoices("siren", "number"))
    name: Text
    dossiers: Annotated[tuple[FrenchDossier, ...], Field(min_length=1)]
    declarant: DeclarantIdentity | None = None
    """The declarant of every dossier of the company that names none of its own."""

    @property
    def siren(self) -> str:
        return self.number

    @property
    def key(self) -> str:
        """The key its credentials are saved under (``identifiers.company_key``)."""
        return identifiers.company_key(self.country, self.number)


class BelgianCompany(_Entry):
    """A Belgian enterprise, known by its enterprise number (stored as 10 digits)."""

    country: Annotated[Literal["BE"], BeforeValidator(_uppercase)]
    number: EnterpriseNumber
    name: Text
    dossiers: Annotated[tuple[BelgianDossier, ...], Field(min_length=1)]

    siren: ClassVar[None] = None
    """Belgian companies have none: code written for French ones reads None."""

    @property
    def key(self) -> str:
        return identifiers.company_key(self.country, self.number)


def company_country(value: Any) -> str | None:
    """The country a company entry is of: its ``country`` (FR when it has none), None when
    that is no country we know."""
    if isinstance(value, FrenchCompany | BelgianCompany):
        return value.country
    if not isinstance(value, dict):
        return None
    country = _uppercase(value.get("country", "FR"))
    return country if country in COUNTRIES else None


COUNTRY_UNKNOWN = "country_unknown"
Company = Annotated[
    Annotated[FrenchCompany, Tag("FR")] | Annotated[BelgianCompany, Tag("BE")],
    Discriminator(
        company_country,
        custom_error_type=COUNTRY_UNKNOWN,
        custom_error_message="unknown country",
    ),
]
"""A company of either country; pydantic locates its errors under the country's tag
(``("companies", 0, "BE", "number")``)."""


class DataDirectory(_Entry):
    """A data directory of the payroll software: a group of companies handled together."""

    code: Code
    name: Text
    companies: Annotated[tuple[Company, ...], Field(min_length=1)]


class Portfolio(_Entry):
    """Every data directory, company and dossier of a firm."""

    directories: Annotated[tuple[DataDirectory, ...], Field(min_length=1)]

    def walk(
        self,
    ) -> Iterator[tuple[Location, DataDirectory, FrenchCompany | BelgianCompany, Dossier]]:
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
    companies: set[tuple[str, str]] = set()
    for d, directory in enumerate(portfolio.directories):
        location: Location = ("directories", d)
        problems += _duplicate(directory_slugs, directory.code, (*location, "code"), "répertoire")
        for c, company in enumerate(directory.companies):
            if (company.country, company.number) in companies:
                field, what = (
                    ("siren", f"SIREN {company.number}")
                    if company.country == "FR"
                    else ("number", f"numéro d'entreprise {company.key}")
                )
                problems.append(
                    (
                        (*location, "companies", c, field),
                        f"{what} en double : une entreprise n'est décrite qu'une fois, dans un "
                        "seul répertoire de données ; regroupez ses dossiers",
                    )
                )
            companies.add((company.country, company.number))
    dossier_slugs: dict[str, str] = {}
    for location, _directory, company, dossier in portfolio.walk():
        problems += _duplicate(dossier_slugs, dossier.code, (*location, "code"), "dossier")
        if isinstance(dossier, FrenchDossier):
            problems += [
                (
                    (*location, "sirets", s),
                    f"le SIRET {siret} n'appartient pas à l'entreprise {company.number} (il doit "
                    "commencer par son SIREN) : corrigez le SIRET ou rangez le dossier sous la "
                    "bonne entreprise",
                )
                for s, siret in enumerate(dossier.sirets)
                if not siret.startswith(company.number)
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
