"""Migration 0006 on SQLite and PostgreSQL: French rows of before are kept (with their SIREN,
DSN platform and establishments) and given back on the way down; a Belgian company stops the way
down; the history stays one line with one head that every procedure extends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from coursier.models.declarant import Declarant
from coursier.models.portfolio import load_portfolio
from coursier.store import DossierView, ImportSummary, Store, import_portfolio, list_dossiers
from coursier.store.database import MIGRATIONS, open_store
from coursier.store.tables import VERSION_TABLE
from tests.models.portfolio.samples import (
    ACME,
    ACME_DECLARANT,
    ACME_LYON,
    ACME_NICE,
    ACME_PARIS,
    BETA,
    BETA_HQ,
    PROXIMUS,
    SOLVAY,
    SOUTH_DECLARANT,
    YAML_BELGIUM,
)

BEFORE = "0005"
PORTFOLIO_TABLES = ("data_directories", "companies", "dossiers", "dossier_establishments")
# The rows a store had before 0006, as 0005's schema holds them.
OLD_ROWS = [
    "INSERT INTO data_directories (id, code, name) VALUES (1, 'CAB-NORD', 'Cabinet Nord')",
    "INSERT INTO companies (id, siren, name, directory_id, declarant_siret, "
    "declarant_last_name, declarant_first_name) VALUES "
    f"(1, '{ACME}', 'Acme', 1, '{ACME_DECLARANT[0]}', '{ACME_DECLARANT[1]}', "
    f"'{ACME_DECLARANT[2]}'), (2, '{BETA}', 'Beta', 1, NULL, NULL, NULL)",
    "INSERT INTO dossiers (id, code, name, company_id, platform, declarant_siret, "
    "declarant_last_name, declarant_first_name) VALUES "
    "(1, 'CCH_001', 'Acme Paris', 1, 'net-entreprises', NULL, NULL, NULL), "
    f"(2, 'CCH_002', 'Acme Sud', 1, 'izilio', '{SOUTH_DECLARANT[0]}', '{SOUTH_DECLARANT[1]}', "
    f"'{SOUTH_DECLARANT[2]}'), (3, 'BETA_01', 'Beta siège', 2, 'net-entreprises', NULL, NULL, "
    "NULL)",
    "INSERT INTO dossier_establishments (dossier_id, siret) VALUES "
    f"(1, '{ACME_PARIS}'), (2, '{ACME_LYON}'), (2, '{ACME_NICE}'), (3, '{BETA_HQ}')",
]
# The same portfolio as a firm's file: importing it after the migration changes nothing.
SAME_AS_FILE = f"""
directories:
  - code: CAB-NORD
    name: Cabinet Nord
    companies:
      - siren: "{ACME}"
        name: Acme
        declarant: {{siret: "{ACME_DECLARANT[0]}", last_name: {ACME_DECLARANT[1]},
                     first_name: {ACME_DECLARANT[2]}}}
        dossiers:
          - {{code: CCH_001, name: Acme Paris, sirets: ["{ACME_PARIS}"]}}
          - code: CCH_002
            name: Acme Sud
            sirets: ["{ACME_LYON}", "{ACME_NICE}"]
            platform: izilio
            declarant: {{siret: "{SOUTH_DECLARANT[0]}", last_name: {SOUTH_DECLARANT[1]},
                         first_name: {SOUTH_DECLARANT[2]}}}
      - siren: "{BETA}"
        name: Beta
        dossiers:
          - {{code: BETA_01, name: Beta siège, sirets: ["{BETA_HQ}"]}}
"""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _migrate(store: Store, direction: str, revision: str) -> None:
    """Run the migrations on the store's own engine: on SQLite, foreign keys on and one
    transaction, as when coursier starts."""
    config = _config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def _rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    with store.engine.connect() as connection:
        return {
            table: sorted(tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}")))
            for table in PORTFOLIO_TABLES
        }


@pytest.fixture
def store_before(store_url: str) -> Iterator[Store]:
    """A store at 0005 holding a French portfolio written by 0005's code."""
    with open_store(store_url) as store:
        _migrate(store, "downgrade", BEFORE)
        with store.engine.begin() as connection:
            for statement in OLD_ROWS:
                connection.execute(text(statement))
            if connection.dialect.name == "postgresql":  # as if the ids came from the sequences
                for table in ("data_directories", "companies", "dossiers"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        yield store


def test_upgrade_keeps_french_rows_and_the_way_down_gives_them_back(store_before: Store) -> None:
    before = _rows(store_before)
    _migrate(store_before, "upgrade", "head")

    with store_before.begin() as session:
        views = {view.code: view for view in list_dossiers(session)}
    assert views["CCH_002"] == DossierView(
        code="CCH_002",
        name="Acme Sud",
        siren=ACME,
        company_name="Acme",
        directory_code="CAB-NORD",
        sirets=(ACME_LYON, ACME_NICE),
        platform="izilio",
        declarant=Declarant(*SOUTH_DECLARANT),
        country="FR",
        company_number=ACME,
        establishments=(ACME_LYON, ACME_NICE),
        platforms={"dsn": "izilio"},
    )
    assert {code: v.platforms for code, v in views.items()} == {
        "BETA_01": {"dsn": "net-entreprises"},
        "CCH_001": {"dsn": "net-entreprises"},
        "CCH_002": {"dsn": "izilio"},
    }
    assert views["CCH_001"].declarant == Declarant(*ACME_DECLARANT)  # the company's
    with store_before.engine.connect() as connection:
        companies = connection.execute(
            text("SELECT siren, country, number FROM companies ORDER BY id")
        ).all()
    assert [tuple(c) for c in companies] == [(ACME, "FR", ACME), (BETA, "FR", BETA)]
    with store_before.begin() as session:
        summary = import_portfolio(session, load_portfolio(SAME_AS_FILE, "p.yaml", "yaml"))
    assert summary == ImportSummary(created=0, updated=0, unchanged=6)

    _migrate(store_before, "downgrade", BEFORE)
    assert _rows(store_before) == before


def test_the_way_down_is_refused_while_a_belgian_company_is_stored(store_before: Store) -> None:
    _migrate(store_before, "upgrade", "head")
    with store_before.begin() as session:
        import_portfolio(session, load_portfolio(YAML_BELGIUM, "p.yaml", "yaml"))
    kept = _rows(store_before)
    companies = f"2 entreprise(s) non française(s) (BE{PROXIMUS}, BE{SOLVAY})"
    with pytest.raises(RuntimeError, match=re.escape(companies)):
        _migrate(store_before, "downgrade", BEFORE)
    assert _rows(store_before) == kept
    with store_before.engine.connect() as connection:
        assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all() == [
            (head(),)
        ]


def test_a_french_dossier_without_dsn_goes_down_on_net_entreprises(store_before: Store) -> None:
    _migrate(store_before, "upgrade", "head")
    with store_before.engine.begin() as connection:
        connection.execute(text("DELETE FROM dossier_platforms WHERE dossier_id = 2"))
        connection.execute(
            text("INSERT INTO dossier_platforms VALUES (2, 'cegid-flow', 'cegid-loop')")
        )
    _migrate(store_before, "downgrade", BEFORE)
    with store_before.engine.connect() as connection:
        platform = connection.execute(text("SELECT platform FROM dossiers WHERE id = 2"))
        assert platform.scalar_one() == "net-entreprises"


@pytest.mark.parametrize(
    ("country", "number", "siren", "accepted"),
    [
        ("FR", ACME, ACME, True),
        ("FR", ACME, BETA, False),  # a SIREN that is not the company's number
        ("FR", ACME, None, False),  # a French company without its SIREN
        ("BE", SOLVAY, None, True),
        ("BE", SOLVAY, SOLVAY[1:], False),  # a Belgian company has no SIREN
    ],
)
def test_the_database_keeps_siren_the_french_number(
    store_url: str, country: str, number: str, siren: str | None, accepted: bool
) -> None:
    insert = text(
        "INSERT INTO companies (country, number, siren, name, directory_id) "
        "VALUES (:country, :number, :siren, 'X', 1)"
    )
    with open_store(store_url) as store:
        with store.engine.begin() as connection:
            connection.execute(text("INSERT INTO data_directories VALUES (1, 'D', 'D')"))
        try:
            with store.engine.begin() as connection:
                connection.execute(insert, {"country": country, "number": number, "siren": siren})
        except IntegrityError:
            stored = False
        else:
            stored = True
    assert stored is accepted


def test_empty_to_head_and_back_to_empty(store_url: str) -> None:
    with open_store(store_url) as store:
        assert {"dossier_platforms", "companies"} <= set(inspect(store.engine).get_table_names())
        _migrate(store, "downgrade", "base")
        assert set(inspect(store.engine).get_table_names()) == {VERSION_TABLE}
        _migrate(store, "upgrade", "head")
        columns = {c["name"] for c in inspect(store.engine).get_columns("companies")}
        assert {"country", "number", "siren"} <= columns


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def test_the_history_is_one_line_with_one_head() -> None:
    """The rule of ``coursier/store/migrations/README.md``: whoever lands second rebases."""
    scripts = ScriptDirectory.from_config(_config())
    assert len(scripts.get_heads()) == 1, "several heads: rebase your migration on the head"
    revisions = list(scripts.walk_revisions())
    assert len(scripts.get_bases()) == 1
    for revision in revisions:
        assert isinstance(revision.down_revision, str | None), f"{revision.revision} merges"
        assert not revision.branch_labels, f"{revision.revision}: no branch labels"
        assert Path(revision.path).name.startswith(f"{revision.revision}_")
        assert re.fullmatch(r"\d{4}", revision.revision)
    numbers = sorted(int(r.revision) for r in revisions)
    assert numbers == list(range(1, len(numbers) + 1))
    for revision in revisions:
        if revision.down_revision is not None:
            assert int(revision.revision) == int(revision.down_revision) + 1
