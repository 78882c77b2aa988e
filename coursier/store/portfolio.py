"""The portfolio in the store: imported from a validated ``Portfolio``, read as dossiers.

An import upserts on stable keys (directory code, SIREN, dossier code), so importing the same
file twice changes nothing. Entries absent from the file are kept: an import adds and updates,
it never deletes a dossier that past deposits refer to. The declarant a concentrateur acts for
is kept per company and per dossier as the file gives it (a file that no longer names one
clears it); a dossier is read with its own, else its company's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coursier.models.declarant import Declarant
from coursier.models.portfolio import DeclarantIdentity, Portfolio
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
    """A dossier with what scopes and checks need: its company, its directory, its SIRET."""

    code: str
    name: str
    siren: str
    company_name: str
    directory_code: str
    sirets: tuple[str, ...]
    platform: str
    declarant: Declarant | None = None
    """Whom a concentrateur account acts for: the dossier's declarant, else its company's."""


def import_portfolio(session: Session, portfolio: Portfolio) -> ImportSummary:
    """Upsert every directory, company and dossier of ``portfolio``; the caller commits."""
    directories = {row.code: row for row in session.scalars(select(DataDirectoryRow))}
    companies = {row.siren: row for row in session.scalars(select(CompanyRow))}
    with_sirets = select(DossierRow).options(selectinload(DossierRow.establishments))
    dossiers = {row.code: row for row in session.scalars(with_sirets)}
    upsert = _Upsert(session)
    for directory in portfolio.directories:
        directory_row = upsert(
            directories, DataDirectoryRow, code=directory.code, name=directory.name
        )
        for company in directory.companies:
            company_row = upsert(
                companies,
                CompanyRow,
                siren=company.siren,
                name=company.name,
                directory=directory_row,
                **_declarant_columns(company.declarant),
            )
            for dossier in company.dossiers:
                upsert(
                    dossiers,
                    DossierRow,
                    code=dossier.code,
                    name=dossier.name,
                    platform=dossier.platform,
                    company=company_row,
                    sirets=frozenset(dossier.sirets),
                    **_declarant_columns(dossier.declarant),
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

    def __call__(self, rows: dict[str, Row], make: Callable[..., Row], **values: Any) -> Row:
        """The row keyed by the first of ``values`` in ``rows``, with every one of ``values``."""
        key = values[next(iter(values))]
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
    )


def _view(row: DossierRow) -> DossierView:
    return DossierView(
        code=row.code,
        name=row.name,
        siren=row.company.siren,
        company_name=row.company.name,
        directory_code=row.company.directory.code,
        sirets=tuple(e.siret for e in row.establishments),
        platform=row.platform,
        declarant=_declarant(row) or _declarant(row.company),
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
