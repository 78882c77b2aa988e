"""A store that already holds deposits and their returns upgrades through 0004 (the exactly-once
ledger) and back, on SQLite too, where rebuilding ``deposits`` used to break the foreign key of
every stored return ("FOREIGN KEY constraint failed": the store stayed at 0003)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from coursier.store import Store
from coursier.store.database import MIGRATIONS, open_store

DEPOSIT = (
    "INSERT INTO deposits (id, dossier, platform, file_name, file_path, file_sha256, file_size,"
    " state, idflux, declarant_siret, created_at, updated_at)"
    " VALUES (7, 'CCH001', 'net-entreprises', 'oct.dsn', '/in/oct.dsn', 'ab12', 100,"
    " 'accepted', 'F-1', '12345678900011', '2026-11-05 08:00:00', '2026-11-05 08:00:00')"
)
RETURN = (
    "INSERT INTO dsn_returns (id, deposit_id, platform, idflux, nature, return_id, status,"
    " content, fetched_at)"
    " VALUES (3, 7, 'net-entreprises', 'F-1', '11', 'R1', 'OK', :content, '2026-11-05 09:00:00')"
)


def _migrate(store: Store, direction: str, revision: str) -> None:
    """On the store's own engine: on SQLite, foreign keys on and one transaction, as when
    coursier starts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


@pytest.fixture
def store_at_0003(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as store:
        _migrate(store, "downgrade", "0003")
        with store.engine.begin() as connection:
            connection.execute(text(DEPOSIT))
            connection.execute(text(RETURN), {"content": b"<cco/>"})
        yield store


def _ledger(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with store.engine.connect() as connection:
        deposits = connection.execute(text("SELECT id, dossier, state, idflux FROM deposits"))
        returns = connection.execute(
            text("SELECT id, deposit_id, nature, content FROM dsn_returns")
        )
        return [tuple(r) for r in deposits], [tuple(r) for r in returns]


def test_deposits_and_their_returns_survive_the_upgrade_and_the_way_back(store_at_0003):
    before = _ledger(store_at_0003)
    assert before == ([(7, "CCH001", "accepted", "F-1")], [(3, 7, "11", b"<cco/>")])

    _migrate(store_at_0003, "upgrade", "head")
    assert _ledger(store_at_0003) == before
    with store_at_0003.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []

    _migrate(store_at_0003, "downgrade", "0003")
    assert _ledger(store_at_0003) == before
