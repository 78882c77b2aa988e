"""Opening the store: engine, schema migrated to head, sessions.

``open_store`` is safe to call at every start: the migration runs in one transaction (on SQLite
under ``BEGIN IMMEDIATE``, on PostgreSQL under an advisory lock), so two processes starting at
once on a fresh database do not both create the tables.

SQLite is tuned for several threads writing at once: WAL (readers do not block the writer), a
busy timeout (a writer waits for the lock instead of failing), and transactions that take the
write lock when they begin, because pysqlite's default of beginning at the first write lets a
transaction that read first fail with "database is locked" without waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, pool
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same for every coursier process.
_MIGRATION_LOCK_KEY = 0x636F7572  # "cour"


@dataclass(frozen=True)
class Store:
    """An open store: the engine and a session factory (objects stay readable after commit)."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_store(url: str | URL) -> Store:
    """Connect to the database at ``url``, bring its schema to head, return the store."""
    url = make_url(url)
    engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _engine(url)
    log.info("store at %s", url.render_as_string(hide_password=True))
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def upgrade(engine: Engine) -> None:
    """Run the migrations up to head on ``engine``, in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _engine(url: URL) -> Engine:
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if in_memory:
        # One shared connection, or every new connection would see an empty database.
        engine = create_engine(
            url, poolclass=pool.StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        if not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
    event.listen(engine, "connect", _tune_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (_begin_immediate)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
