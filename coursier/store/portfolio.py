"""The portfolio in the store: imported from a validated ``Portfolio``, read as dossiers.

An import upserts on stable keys (directory code, company country and number, dossier code), so
importing the same file twice changes nothing. Entries absent from the file are kept: an import
adds and updates, it never deletes a dossier that past deposits refer to. A dossier's
establishments and platforms are the file's (those it no longer lists go). The declarant a
concentrateur acts for is kept per company and per dossier as the file gives it (a file that no
longer names one clears it); a dossier is read with its own, else its company's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coursier.models.declarant import Declarant
from coursier.models.portfolio import DSN, DeclarantIdentity, Portfolio, company_key
from coursier.store.tables import CompanyRow, DataDirectoryRow, DossierRow

Row = TypeVar("Row", DataDirectoryRow, CompanyRow, DossierRow)


@dataclass(frozen=True)
class ImportSummary:
    """How many entries (directories, companies and dossiers together) an import created,
    changed, or found as they were."""

    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class DossierView:
    """A dossier with what scopes, checks and flows need: its company, its directory, its
    establishments and its platform per procedure.

    ``siren``, ``sirets`` and ``platform`` are what the DSN code reads: a French dossier's SIREN,
    SIRET and DSN platform; None, () and None for a Belgian one. A view made by hand with only
    those (a test's) gets the rest from them: a French company's number is its SIREN, its
    establishments its SIRET, its DSN platform among its platforms.
    """

    code: str
    name: str
    siren: str | None
    company_name: str
    directory_code: str
    sirets: tuple[str, ...]
    platform: str | None
    declarant: Declarant | None = None
    """Whom a concentrateur account acts for: the dossier's declarant, else its company's."""
    country: str = "FR"
    company_number: str = ""
    establishments: tuple[str, ...] = ()
    platforms: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.country == "FR":
            object.__setattr__(self, "company_number", self.company_number or self.siren or "")
            object.__setattr__(self, "establishments", self.establishments or self.sirets)
        if self.platform is not None and DSN not in self.platforms:
            object.__setattr__(self, "platforms", {DSN: self.platform, **self.platforms})

    @property
    def company_key(self) -> str:
        """The key its company's credentials are saved under (the SIREN for a French one)."""
        return company_key(self.country, self.company_number)

    def platform_for(self, procedure: str) -> str | None:
        """Its platform for ``procedure``, None when it takes no part in it."""
        return self.platforms.get(procedure)


def import_portfolio(session: Session, portfolio: Portfolio) -> ImportSummary:
    """Upsert every directory, company and dossier of ``portfolio``; the caller commits."""
    directories = {row.code: row for row in session.scalars(select(DataDirectoryRow))}
    companies = {(row.country, row.number): row for row in session.scalars(select(CompanyRow))}
    with_children = select(DossierRow).options(
        selectinload(DossierRow.establishments), selectinload(DossierRow.platforms)
    )
    dossiers = {row.code: row for row in session.scalars(with_children)}
    upsert = _Upsert(session)
    for directory in portfolio.directories:
        directory_row = upsert(
            directories, directory.code, DataDirectoryRow, code=directory.code, name=directory.name
        )
        for company in directory.companies:
            company_row = upsert(
                companies,
                (company.country, company.number),
                CompanyRow,
                country=company.country,
                number=company.number,
                siren=company.siren,
                name=company.name,
                directory=directory_row,
                **_declarant_columns(getattr(company, "declarant", None)),
            )
            for dossier in company.dossiers:
                upsert(
                    dossiers,
                    dossier.code,
                    DossierRow,
                    code=dossier.code,
                    name=dossier.name,
                    company=company_row,
                    numbers=frozenset(dossier.establishments),
                    procedures=dossier.procedures,
                    **_declarant_columns(getattr(dossier, "declarant", None)),
                )
    session.flush()
    return ImportSummary(**upsert.counts)


def _declarant_columns(declarant: DeclarantIdentity | None) -> dict[str, str | None]:
    return {
        "declarant_siret": declarant.siret if declarant else None,
        "declarant_last_name": declarant.last_name if declarant else None,
        "declarant_first_name": declarant.first_name if declarant else None,
    }


class _Upsert:
    """Brings rows to given values, creating the missing ones, and counts what it did."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}

    def __call__(
        self, rows: dict[Any, Row], key: Hashable, make: Callable[..., Row], **values: Any
    ) -> Row:
        """The row of ``key`` in ``rows``, with every one of ``values``."""
        row = rows.get(key)
        if row is None:
            row = rows[key] = make(**values)
            self.session.add(row)
            self.counts["created"] += 1
            return row
        changed = {name: value for name, value in values.items() if getattr(row, name) != value}
        for name, value in changed.items():
            setattr(row, name, value)
        self.counts["updated" if changed else "unchanged"] += 1
        return row


def list_dossiers(session: Session) -> list[DossierView]:
    """Every dossier, ordered by code."""
    return [_view(row) for row in session.scalars(_dossiers().order_by(DossierRow.code))]


def get_dossier(session: Session, code: str) -> DossierView | None:
    """The dossier of ``code`` (exactly as imported), or None."""
    row = session.scalars(_dossiers().where(DossierRow.code == code)).one_or_none()
    return None if row is None else _view(row)


def _dossiers() -> Select[tuple[DossierRow]]:
    return select(DossierRow).options(
        joinedload(DossierRow.company).joinedload(CompanyRow.directory),
        selectinload(DossierRow.establishments),
        selectinload(DossierRow.platforms),
    )


def _view(row: DossierRow) -> DossierView:
    company, numbers, procedures = (
        row.company,
        tuple(e.number for e in row.establishments),
        row.procedures,
    )
    return DossierView(
        code=row.code,
        name=row.name,
        siren=company.siren,
        company_name=company.name,
        directory_code=company.directory.code,
        sirets=numbers if company.country == "FR" else (),
        platform=procedures.get(DSN),
        declarant=_declarant(row) or _declarant(company),
        country=company.country,
        company_number=company.number,
        establishments=numbers,
        platforms=procedures,
    )


def _declarant(row: DossierRow | CompanyRow) -> Declarant | None:
    """The row's declarant, when all three of its columns are filled."""
    siret, last_name, first_name = (
        row.declarant_siret,
        row.declarant_last_name,
        row.declarant_first_name,
    )
    if siret and last_name and first_name:
        return Declarant(siret, last_name, first_name)
    return None
