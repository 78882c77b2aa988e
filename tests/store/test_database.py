"""Opening the store: the migration creates the schema, agrees with the ORM, and is idempotent."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from coursier.store import OutcomeIn, Store, open_store, outcomes_of, record_outcomes
from coursier.store.database import MIGRATIONS
from coursier.store.tables import VERSION_TABLE, Base


@pytest.fixture
def store(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield store


def _alembic_config(**options: str) -> tuple[Config, io.StringIO]:
    output = io.StringIO()
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS))
    for name, value in options.items():
        config.set_main_option(name, value)
    return config, output


def head_revision() -> str:
    config, _output = _alembic_config()
    return ScriptDirectory.from_config(config).get_current_head()


def test_fresh_database_gets_both_tables_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    with open_store(f"sqlite:///{path}") as store:
        tables = set(inspect(store.engine).get_table_names())
        with store.begin() as session:
            version = session.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    assert path.is_file()
    assert {"item_outcomes", "audit_events", "deposits", "dsn_returns", VERSION_TABLE} <= tables
    assert version == head_revision()


def test_opening_twice_keeps_schema_and_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as first, first.begin() as session:
        record_outcomes(session, "run-1", "deposit", [OutcomeIn("a.dsn", "ok")])
    with open_store(url) as second, second.begin() as session:
        versions = session.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        kept = [o.item_key for o in outcomes_of(session, "run-1")]
    assert versions == [(head_revision(),)]
    assert kept == ["a.dsn"]


def test_orm_metadata_and_migration_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migration_downgrades_and_upgrades_again(store: Store) -> None:
    config, _ = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(store.engine).get_table_names()) == {VERSION_TABLE}
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        triggers = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars()
        assert set(triggers) == {"audit_events_no_update", "audit_events_no_delete"}


def test_sqlite_connections_are_tuned_for_concurrent_writers(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_threads_writing_at_once_lose_nothing(store: Store) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for batch in range(10):
                with store.begin() as session:
                    # Read first, then write: the pattern a deferred BEGIN would break.
                    outcomes_of(session, "run-1")
                    items = [OutcomeIn(f"w{worker}-b{batch}-i{i}", "ok") for i in range(5)]
                    record_outcomes(session, "run-1", "sync", items)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with store.begin() as session:
        assert len(outcomes_of(session, "run-1")) == 8 * 10 * 5


def test_in_memory_store_is_one_database_for_every_session() -> None:
    with open_store("sqlite://") as store:
        with store.begin() as session:
            record_outcomes(session, "run-1", "sync", [OutcomeIn("x", "ok")])
        with store.begin() as session:
            assert [o.item_key for o in outcomes_of(session, "run-1")] == ["x"]


def test_postgresql_migration_renders_tables_and_audit_triggers() -> None:
    config, output = _alembic_config(**{"sqlalchemy.url": "postgresql://coursier@db/coursier"})
    command.upgrade(config, "head", sql=True)
    sql = output.getvalue()
    assert "CREATE TABLE item_outcomes" in sql
    assert "details JSONB DEFAULT '{}' NOT NULL" in sql
    assert "recorded_at TIMESTAMP WITH TIME ZONE NOT NULL" in sql
    assert "BEFORE UPDATE OR DELETE ON audit_events" in sql
    assert "BEFORE TRUNCATE ON audit_events" in sql
    assert "ERRCODE = 'restrict_violation'" in sql
    assert "%" not in sql
