"""The portfolio in the store, on SQLite and PostgreSQL: the declarant a concentrateur acts
for is kept per company and per dossier, and a dossier is read with its own, else its
company's, else none; imports stay idempotent upserts on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coursier.models.declarant import Declarant
from coursier.models.portfolio import load_portfolio
from coursier.store import (
    DossierView,
    ImportSummary,
    Store,
    get_dossier,
    import_portfolio,
    list_dossiers,
    open_store,
)
from coursier.store.tables import CompanyRow, DossierRow
from tests.models.portfolio.samples import (
    ACME,
    ACME_DECLARANT,
    ACME_LYON,
    ACME_NICE,
    CSV,
    CSV_WITH_DECLARANTS,
    SOUTH_DECLARANT,
    YAML_WITH_DECLARANTS,
)


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as store:
        yield store


def _import(store: Store, text: str, fmt: str = "csv") -> ImportSummary:
    with store.begin() as session:
        return import_portfolio(session, load_portfolio(text, f"p.{fmt}", fmt))  # type: ignore[arg-type]


def _views(store: Store) -> dict[str, DossierView]:
    with store.begin() as session:
        return {view.code: view for view in list_dossiers(session)}


def test_a_dossier_has_its_own_declarant_else_its_company_s_else_none(store: Store) -> None:
    # 2 directories + 2 companies + 3 dossiers
    assert _import(store, CSV_WITH_DECLARANTS) == ImportSummary(7, 0, 0)
    views = _views(store)
    assert views["CCH_001"].declarant == Declarant(*ACME_DECLARANT)
    assert views["CCH_002"].declarant == Declarant(*SOUTH_DECLARANT)
    assert views["BETA_01"].declarant is None
    assert views["CCH_002"] == DossierView(
        code="CCH_002",
        name="Acme Sud",
        siren=ACME,
        company_name="Acme",
        directory_code="CAB-NORD",
        sirets=(ACME_LYON, ACME_NICE),
        platform="izilio",
        declarant=Declarant(*SOUTH_DECLARANT),
    )
    with store.begin() as session:
        assert get_dossier(session, "CCH_001") == views["CCH_001"]
        company = session.scalars(select(CompanyRow).where(CompanyRow.siren == ACME)).one()
        paris = session.scalars(select(DossierRow).where(DossierRow.code == "CCH_001")).one()
        # Stored where the file put it: on the company, the dossier keeps none of its own.
        assert (company.declarant_siret, company.declarant_last_name) == ACME_DECLARANT[:2]
        assert paris.declarant_siret is None


def test_the_yaml_and_csv_of_one_portfolio_are_the_same_import(store: Store) -> None:
    _import(store, CSV_WITH_DECLARANTS)
    assert _import(store, YAML_WITH_DECLARANTS, "yaml") == ImportSummary(0, 0, 7)


def test_declarants_change_and_clear_with_the_file(store: Store) -> None:
    _import(store, CSV_WITH_DECLARANTS)
    # Acme's declarant renamed; CCH_002 no longer names its own: it takes Acme's.
    changed = CSV_WITH_DECLARANTS.replace("DUPONT", "DUPONT-LAJOIE").replace(
        ",".join(SOUTH_DECLARANT), ",,"
    )
    assert _import(store, changed) == ImportSummary(created=0, updated=2, unchanged=5)
    views = _views(store)
    renamed = Declarant(ACME_DECLARANT[0], "DUPONT-LAJOIE", ACME_DECLARANT[2])
    assert views["CCH_001"].declarant == renamed
    assert views["CCH_002"].declarant == renamed
    # A file without the declarant columns names none: the import clears Acme's.
    assert _import(store, CSV) == ImportSummary(created=2, updated=1, unchanged=6)
    assert all(view.declarant is None for view in _views(store).values())


def test_hostile_names_are_stored_and_read_back_as_written(store: Store) -> None:
    hostile = ("[bold red]X[/]", "O'Brien' OR 1=1 --")
    text = CSV_WITH_DECLARANTS.replace(
        ",".join(SOUTH_DECLARANT), f'{SOUTH_DECLARANT[0]},"{hostile[0]}","{hostile[1]}"'
    )
    _import(store, text)
    assert _views(store)["CCH_002"].declarant == Declarant(SOUTH_DECLARANT[0], *hostile)
    assert len(_views(store)) == 3
