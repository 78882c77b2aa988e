"""Belgian companies and platforms per procedure in the store, on SQLite and PostgreSQL: read
back as imported, upserted on (country, number), their platforms kept in step with the file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from coursier.models.portfolio import load_portfolio
from coursier.store import DossierView, ImportSummary, Store, get_dossier, import_portfolio
from coursier.store.database import open_store
from coursier.store.tables import DossierPlatform
from tests.models.portfolio.samples import (
    ACME,
    ACME_PARIS,
    PROXIMUS,
    SOLVAY,
    SOLVAY_UNIT,
    SOLVAY_UNIT_2,
    YAML_BELGIUM,
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as store:
        yield store


def _import(store: Store, text: str) -> ImportSummary:
    with store.begin() as session:
        return import_portfolio(session, load_portfolio(text, "p.yaml", "yaml"))


def _dossier(store: Store, code: str) -> DossierView:
    with store.begin() as session:
        found = get_dossier(session, code)
    assert found is not None
    return found


def test_a_belgian_dossier_reads_back_with_its_number_units_and_platforms(store: Store) -> None:
    # 1 directory, 3 companies, 4 dossiers
    assert _import(store, YAML_BELGIUM) == ImportSummary(created=8, updated=0, unchanged=0)
    assert _dossier(store, "SOL_RH") == DossierView(
        code="SOL_RH",
        name="Solvay RH",
        siren=None,
        company_name="Solvay",
        directory_code="BXL",
        sirets=(),
        platform=None,
        country="BE",
        company_number=SOLVAY,
        establishments=(SOLVAY_UNIT_2, SOLVAY_UNIT),
        platforms={"hr-sync": "payflip"},
    )
    solvay = _dossier(store, "SOL_RH")
    assert solvay.company_key == f"BE{SOLVAY}"
    assert solvay.platform_for("dsn") is None
    assert _dossier(store, "PXS_01").company_key == f"BE{PROXIMUS}"
    acme = _dossier(store, "CCH_001")
    assert (acme.siren, acme.company_key, acme.sirets, acme.platform) == (
        ACME,
        ACME,
        (ACME_PARIS,),
        "izilio",
    )
    assert acme.platforms == {"cegid-flow": "cegid-loop", "dsn": "izilio", "pas": "izilio"}


def test_importing_again_changes_nothing_and_platforms_follow_the_file(store: Store) -> None:
    _import(store, YAML_BELGIUM)
    assert _import(store, YAML_BELGIUM) == ImportSummary(created=0, updated=0, unchanged=8)
    changed = YAML_BELGIUM.replace(
        "{hr-sync: payflip, client-import: adminpulse}", "{client-import: admin-is}"
    ).replace("{dsn: izilio, pas: izilio, cegid-flow: cegid-loop}", "{dsn: net-entreprises}")
    assert _import(store, changed) == ImportSummary(created=0, updated=2, unchanged=6)
    assert _dossier(store, "PXS_01").platforms == {"client-import": "admin-is"}
    acme = _dossier(store, "CCH_001")
    assert (acme.platform, acme.platforms) == ("net-entreprises", {"dsn": "net-entreprises"})
    with store.begin() as session:
        assert session.scalar(select(func.count()).select_from(DossierPlatform)) == 4


def test_the_same_digits_in_two_forms_are_one_belgian_company(store: Store) -> None:
    _import(store, YAML_BELGIUM)
    spaced = YAML_BELGIUM.replace(f'number: "{PROXIMUS[1:]}"', f'number: "BE {PROXIMUS}"')
    assert _import(store, spaced) == ImportSummary(created=0, updated=0, unchanged=8)
