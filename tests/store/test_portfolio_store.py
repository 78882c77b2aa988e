"""The portfolio in the store: an idempotent upsert, and dossiers read with their scope chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

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
from coursier.store.tables import DossierEstablishment
from tests.models.portfolio.samples import (
    ACME,
    ACME_LYON,
    ACME_NICE,
    ACME_PARIS,
    BETA,
    CSV,
)


@pytest.fixture
def store(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield store


def _import(store: Store, text: str) -> ImportSummary:
    with store.begin() as session:
        return import_portfolio(session, load_portfolio(text, "p.csv", "csv"))


def test_first_import_creates_everything_and_reads_back(store: Store) -> None:
    # 2 directories + 3 companies + 4 dossiers
    assert _import(store, CSV) == ImportSummary(created=9, updated=0, unchanged=0)
    with store.begin() as session:
        dossiers = list_dossiers(session)
        south = get_dossier(session, "CCH_002")
    assert [d.code for d in dossiers] == ["BETA_01", "CCH_001", "CCH_002", "LP_01"]
    assert south == DossierView(
        code="CCH_002",
        name="Acme Sud",
        siren=ACME,
        company_name="Acme",
        directory_code="CAB-NORD",
        sirets=(ACME_LYON, ACME_NICE),
        platform="izilio",
    )


def test_importing_the_same_file_twice_changes_nothing(store: Store) -> None:
    _import(store, CSV)
    with store.begin() as session:
        before = list_dossiers(session)
    assert _import(store, CSV) == ImportSummary(created=0, updated=0, unchanged=9)
    with store.begin() as session:
        assert list_dossiers(session) == before
        assert session.scalar(select(func.count()).select_from(DossierEstablishment)) == 5


def test_changes_are_upserted_by_code_and_siren(store: Store) -> None:
    _import(store, CSV)
    changed = (
        CSV.replace("Cabinet Nord", "Cabinet du Nord")  # directory renamed
        .replace(f'"{ACME_LYON};{ACME_NICE}",IZILIO', f"{ACME_NICE},net-entreprises")
        .replace(f"CAB-SUD,Cabinet Sud,{BETA}", f"CAB-NORD,Cabinet du Nord,{BETA}")  # moved
    )
    changed += f"CAB-NORD,Cabinet du Nord,{ACME},Acme,CCH_003,Acme Est,{ACME_PARIS},\n"
    # CAB-NORD renamed, Beta moved, CCH_002 changed; CCH_003 new; the rest as it was.
    assert _import(store, changed) == ImportSummary(created=1, updated=3, unchanged=6)
    with store.begin() as session:
        south = get_dossier(session, "CCH_002")
        beta = get_dossier(session, "BETA_01")
        east = get_dossier(session, "CCH_003")
    assert south is not None
    assert (south.sirets, south.platform) == ((ACME_NICE,), "net-entreprises")
    assert beta is not None
    assert beta.directory_code == "CAB-NORD"
    assert east is not None
    assert east.sirets == (ACME_PARIS,)


def test_dossiers_absent_from_a_later_file_are_kept(store: Store) -> None:
    _import(store, CSV)
    first_row_only = "\n".join(CSV.splitlines()[:2]) + "\n"
    assert _import(store, first_row_only) == ImportSummary(created=0, updated=0, unchanged=3)
    with store.begin() as session:
        assert len(list_dossiers(session)) == 4


def test_unknown_dossier_is_none(store: Store) -> None:
    _import(store, CSV)
    with store.begin() as session:
        assert get_dossier(session, "cch_001") is None
        assert get_dossier(session, "NOPE") is None


def test_empty_store_lists_nothing(store: Store) -> None:
    with store.begin() as session:
        assert list_dossiers(session) == []
