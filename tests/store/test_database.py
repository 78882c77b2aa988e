"""Opening the store, on SQLite and on PostgreSQL: the migration creates the schema, agrees with
the ORM, is idempotent and safe for two processes at once; a URL the store cannot use is a
French message naming the host, never the password."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, make_url, text

from coursier.store import OutcomeIn, Store, open_store, outcomes_of, record_outcomes
from coursier.store.database import MIGRATIONS, StoreUnavailable, database_url
from coursier.store.tables import VERSION_TABLE, Base

PASSWORD = "Mot-de-passe-2026"


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as store:
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


def _versions(store: Store) -> list[tuple[str]]:
    with store.begin() as session:
        return [tuple(r) for r in session.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]


def _triggers(store: Store) -> set[str]:
    with store.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(connection.execute(text(query)).scalars())


TRIGGERS = {
    "sqlite": {"audit_events_no_update", "audit_events_no_delete"},
    "postgresql": {"audit_events_append_only", "audit_events_no_truncate"},
}


def test_fresh_database_gets_every_table_at_head(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "item_outcomes",
        "audit_events",
        "data_directories",
        "companies",
        "dossiers",
        "dossier_establishments",
        "m2m_switches",
        "deposits",
        "dsn_returns",
        "return_cursors",
        "run_leases",
        VERSION_TABLE,
    } <= tables
    assert _versions(store) == [(head_revision(),)]
    assert _triggers(store) == TRIGGERS[store.engine.dialect.name]


def test_a_plain_postgresql_url_is_opened_with_psycopg_3(store: Store) -> None:
    if store.engine.dialect.name == "postgresql":
        assert store.engine.url.drivername == "postgresql+psycopg"
        assert store.engine.dialect.driver == "psycopg"


def test_sqlite_file_is_created_with_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    with open_store(f"sqlite:///{path}") as store:
        assert _versions(store) == [(head_revision(),)]
    assert path.is_file()


def test_opening_twice_keeps_schema_and_data(store_url: str) -> None:
    with open_store(store_url) as first, first.begin() as session:
        record_outcomes(session, "run-1", "deposit", [OutcomeIn("a.dsn", "ok")])
    with open_store(store_url) as second, second.begin() as session:
        kept = [o.item_key for o in outcomes_of(session, "run-1")]
    assert _versions(second) == [(head_revision(),)]
    assert kept == ["a.dsn"]


def test_orm_metadata_and_migration_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_constraints_are_named_by_the_convention(store: Store) -> None:
    """Later migrations find constraints by name: a CHECK added by a migration must carry the
    convention's name on every backend, not the bare name given to Alembic."""
    checks = {c["name"] for c in inspect(store.engine).get_check_constraints("deposits")}
    assert checks == {"ck_deposits_state"}
    uniques = {c["name"] for c in inspect(store.engine).get_unique_constraints("deposits")}
    assert uniques == {
        "uq_deposits_dossier_file_sha256",
        "uq_deposits_account_idflux",
        "uq_deposits_account_open_slot",
    }


def test_json_documents_are_jsonb_on_postgresql_and_round_trip(store: Store) -> None:
    details = {"anomalies": [{"code": "CTL-01", "libellé": "Île"}], "n": 3, "ok": True}
    with store.begin() as session:
        record_outcomes(session, "run-1", "sync", [OutcomeIn("a", "ok", details=details)])
    with store.begin() as session:
        (outcome,) = outcomes_of(session, "run-1")
    assert outcome.details == details
    if store.engine.dialect.name == "postgresql":
        columns = {c["name"]: c["type"] for c in inspect(store.engine).get_columns("audit_events")}
        assert type(columns["details"]).__name__ == "JSONB"


def test_migration_downgrades_and_upgrades_again(store: Store) -> None:
    config, _ = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(store.engine).get_table_names()) == {VERSION_TABLE}
    assert _triggers(store) == set()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _triggers(store) == TRIGGERS[store.engine.dialect.name]
    assert _versions(store) == [(head_revision(),)]


def test_sqlite_connections_are_tuned_for_concurrent_writers(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with store, store.engine.connect() as connection:
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


def test_a_read_does_not_wait_for_a_writer_holding_the_lock(tmp_path: Path) -> None:
    """On SQLite a reading transaction sees the last committed state while a writer holds the
    write lock; the writer's rows appear once it commits."""
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    holding, release = threading.Event(), threading.Event()

    def write() -> None:
        with store.begin() as session:
            record_outcomes(session, "run-1", "sync", [OutcomeIn("held", "ok")])
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with store.read() as session:
            assert outcomes_of(session, "run-1") == []
        assert time.monotonic() - started < 1.0  # the busy timeout would be 30 s
    finally:
        release.set()
        writer.join()
    with store, store.read() as session:
        assert [o.item_key for o in outcomes_of(session, "run-1")] == ["held"]


def test_a_writer_waits_its_turn_in_the_process_not_in_sqlites_polling(tmp_path: Path) -> None:
    """While one thread holds a write transaction, another thread's writer waits on the store's
    turn (woken the moment it is free) with no connection of its own, instead of polling
    SQLite's lock from a connection, asleep up to 100 ms at a time; then it commits too."""
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    holding, release = threading.Event(), threading.Event()

    def write(key: str, hold: bool) -> None:
        with store.begin() as session:
            record_outcomes(session, "run-1", "sync", [OutcomeIn(key, "ok")])
            if hold:
                holding.set()
                release.wait(10)

    first = threading.Thread(target=write, args=("first", True))
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=write, args=("second", False))
    second.start()
    try:
        time.sleep(0.3)  # long enough for the second writer to reach SQLite, were it let
        assert second.is_alive()
        assert store.engine.pool.checkedout() == 1  # the holder's connection only
    finally:
        release.set()
        first.join()
        second.join(10)
    with store, store.read() as session:
        assert sorted(o.item_key for o in outcomes_of(session, "run-1")) == ["first", "second"]


def test_a_turn_not_given_in_time_leaves_the_wait_to_sqlite(tmp_path: Path, monkeypatch) -> None:
    from coursier.store import database

    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    assert store.turns is not None
    taken, release = threading.Event(), threading.Event()

    def keep_the_turn() -> None:  # a turn kept with SQLite's lock free: a bug, not a deadlock
        with store.turns:
            taken.set()
            release.wait(10)

    keeper = threading.Thread(target=keep_the_turn)
    keeper.start()
    try:
        assert taken.wait(10)
        with store.begin() as session:
            record_outcomes(session, "run-1", "sync", [OutcomeIn("past the turn", "ok")])
    finally:
        release.set()
        keeper.join()
    with store, store.read() as session:
        assert [o.item_key for o in outcomes_of(session, "run-1")] == ["past the turn"]


# Each process imports the store, says it is ready, waits for "go", then opens the store: the
# two migrations start together instead of one finishing while the other still imports.
_MIGRATE = """
import sys
from coursier.store import open_store
print("ready", flush=True)
sys.stdin.readline()
open_store(sys.argv[1]).close()
print("migrated", flush=True)
"""


def test_two_processes_migrating_a_fresh_database_at_once_both_succeed(store_url: str) -> None:
    root = Path(__file__).parents[2]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE, store_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n", process.stderr.read()  # type: ignore[union-attr]
        for process in processes:
            process.stdin.write("go\n")  # type: ignore[union-attr]
            process.stdin.flush()  # type: ignore[union-attr]
        results = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            process.kill()
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert out == "migrated\n"
    with open_store(store_url) as store:
        assert _versions(store) == [(head_revision(),)]
        assert _triggers(store) == TRIGGERS[store.engine.dialect.name]


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


@pytest.mark.parametrize(
    ("given", "opened"),
    [
        ("postgresql://u:pw@db.internal/coursier", "postgresql+psycopg://u:***@db.internal/coursier"),
        ("postgres://u@db:6432/coursier", "postgresql+psycopg://u@db:6432/coursier"),
        ("postgresql+psycopg://u@db/coursier", "postgresql+psycopg://u@db/coursier"),
        ("postgresql:///coursier?host=/run/postgresql", "postgresql+psycopg:///coursier?host=%2Frun%2Fpostgresql"),
        ("sqlite:///var/coursier.db", "sqlite:///var/coursier.db"),
        ("sqlite+pysqlite:///x.db", "sqlite:///x.db"),
        ("sqlite://", "sqlite://"),
    ],
)  # fmt: skip
def test_urls_are_normalised_to_the_drivers_the_store_ships(given: str, opened: str) -> None:
    assert database_url(given).render_as_string(hide_password=True) == opened


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"mysql://u:{PASSWORD}@db.internal/coursier", "« mysql » n'est pas pris en charge"),
        (f"postgresql+psycopg2://u:{PASSWORD}@db.internal/c", "« postgresql+psycopg2 » n'est pas"),
        (f"postgresql+asyncpg://u:{PASSWORD}@db.internal/c", "« postgresql+asyncpg » n'est pas"),
        (f"sqlite+aiosqlite:///{PASSWORD}.db", "« sqlite+aiosqlite » n'est pas pris en charge"),
        (f"u:{PASSWORD}@db.internal/coursier", "adresse de base de données illisible"),
        (f"{PASSWORD}", "adresse de base de données illisible"),
        ("", "adresse de base de données illisible"),
        (f"postgresql://u:{PASSWORD}@db.internal", "u@db.internal/ : l'adresse ne nomme pas"),
    ],
)
def test_urls_the_store_cannot_use_are_refused_before_any_connection(
    url: str, expected: str
) -> None:
    with pytest.raises(StoreUnavailable) as refused:
        open_store(url)
    message = str(refused.value)
    assert expected in message
    assert PASSWORD not in message or "sqlite" in url  # a SQLite URL is a path, not a secret
    assert "COURSIER_DATABASE_URL" in message or "postgresql://" in message


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_postgresql_that_is_down_is_named_without_the_password() -> None:
    port = _closed_port()  # nothing listens there any more
    with pytest.raises(StoreUnavailable) as down:
        open_store(f"postgresql://coursier:{PASSWORD}@127.0.0.1:{port}/coursier")
    message = str(down.value)
    assert message.startswith(f"base de données coursier@127.0.0.1:{port}/coursier inutilisable")
    assert "Connection refused" in message
    assert "serveur est démarré" in message
    assert PASSWORD not in message
    assert down.value.__cause__ is None  # no driver traceback chained to it
    assert down.value.__suppress_context__


def test_an_unknown_host_is_named() -> None:
    with pytest.raises(StoreUnavailable) as unknown:
        open_store(f"postgresql://coursier:{PASSWORD}@no-such-host.invalid/coursier")
    assert "no-such-host.invalid" in str(unknown.value)
    assert PASSWORD not in str(unknown.value)


def test_a_wrong_password_or_a_missing_database_says_so(postgres_url_factory) -> None:
    url = make_url(postgres_url_factory())
    good = str(url.password)
    wrong = url.set(password=PASSWORD).render_as_string(hide_password=False)
    with pytest.raises(StoreUnavailable) as refused:
        open_store(wrong)
    assert "password authentication failed" in str(refused.value)
    missing = url.set(database="absente").render_as_string(hide_password=False)
    with pytest.raises(StoreUnavailable) as absent:
        open_store(missing)
    assert 'database "absente" does not exist' in str(absent.value)
    for error in (refused.value, absent.value):
        assert PASSWORD not in str(error)
        assert good not in str(error)
        assert f"{url.host}:{url.port}" in str(error)


def test_a_user_without_the_right_to_create_tables_is_told(postgres_url_factory) -> None:
    import psycopg

    url = make_url(postgres_url_factory())
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    role = f"lecteur_{url.database}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    try:
        reader = url.set(username=role, password=PASSWORD)
        with pytest.raises(StoreUnavailable) as refused:
            open_store(reader.render_as_string(hide_password=False))
        message = str(refused.value)
        assert message.startswith(f"base de données {role}@{url.host}:{url.port}/")
        assert "droits insuffisants" in message
        assert PASSWORD not in message
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP ROLE {role}")
