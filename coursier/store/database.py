"""Opening the store: engine, schema migrated to head, sessions.

``open_store`` is safe to call at every start: the migration runs in one transaction (on SQLite
under ``BEGIN IMMEDIATE``, on PostgreSQL under an advisory lock), so two processes starting at
once on a fresh database do not both create the tables.

SQLite is tuned for several threads writing at once: WAL (readers do not block the writer), a
busy timeout (a writer waits for the lock instead of failing), and transactions that take the
write lock when they begin, because pysqlite's default of beginning at the first write lets a
transaction that read first fail with "database is locked" without waiting. A transaction that
only reads (``Store.read``) begins deferred instead: in WAL it reads a snapshot and never waits
for the writers, who then wait only for each other.

PostgreSQL is spoken through psycopg 3, the one driver the project ships and tests: a plain
``postgresql://`` (or ``postgres://``) URL is opened as ``postgresql+psycopg://``. Other drivers
and other databases are refused up front (the upserts are written for SQLite and PostgreSQL
only). A URL that does not parse, a server that does not answer, a wrong password or a missing
database raise :class:`StoreUnavailable`, a message in French naming the host and never the
password, instead of a driver's traceback.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, pool
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRESQL_DRIVER = "postgresql+psycopg"
# How long to wait for a PostgreSQL server that does not answer (a URL may set its own).
POSTGRESQL_CONNECT_TIMEOUT_S = 10
# Any constant works; it only has to be the same for every coursier process.
_MIGRATION_LOCK_KEY = 0x636F7572  # "cour"
_ACCEPTED_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": POSTGRESQL_DRIVER,
    "postgres": POSTGRESQL_DRIVER,  # the scheme of libpq and of many hosting providers
    POSTGRESQL_DRIVER: POSTGRESQL_DRIVER,
}
_URL_ADVICE = "vérifiez COURSIER_DATABASE_URL"
_URL_FORMS = "sqlite:///chemin/coursier.db ou postgresql://utilisateur:motdepasse@hôte:port/base"
_INSUFFICIENT_PRIVILEGE = "42501"


class StoreUnavailable(RuntimeError):
    """The store cannot be opened: its URL, its driver or its database. The message says where
    (host, port, database, user; the file for SQLite) and what to do, never the password."""


#: The execution option that marks a connection whose transactions only read.
_READ_ONLY = "coursier_read_only"


@dataclass(frozen=True)
class Store:
    """An open store: the engine and session factories (objects stay readable after commit)."""

    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    #: SQLite only: this process's writers take turns here before SQLite's own write lock.
    turns: threading.RLock | None = None

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        On SQLite a writer meeting the write lock polls for it, sleeping ever longer between
        tries, up to 100 ms (SQLite's busy handler): sixteen threads of one run spent most of
        their write transactions asleep so. They queue on a lock of the process first, woken
        the moment it is free; SQLite's lock still serialises them with other processes, and
        the store's compare-and-set claims, not this, keep deposits exactly-once."""
        with self._turn(), self.sessions.begin() as session:
            yield session

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's turn to write (SQLite), waited for as long as SQLite would wait; past
        that, SQLite's own timeout decides, as it did without turns."""
        taken = self.turns is not None and self.turns.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            yield
        finally:
            if taken:
                self.turns.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a transaction that only reads: on SQLite it does not take the write
        lock, so it neither waits for the writers nor makes them wait. Never write in it."""
        with self.readers.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_store(url: str | URL) -> Store:
    """Connect to the database at ``url``, bring its schema to head, return the store.

    ``StoreUnavailable`` when the URL is not one the store opens or the database cannot be
    reached or used.
    """
    url = database_url(url)
    engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _engine(url)
    log.info("store at %s", url.render_as_string(hide_password=True))
    try:
        upgrade(engine)
    except (OperationalError, InterfaceError) as exc:
        engine.dispose()
        raise StoreUnavailable(
            f"base de données {where(url)} inutilisable : {_reason(exc, url)} ; {_URL_ADVICE}"
            + (", et que le serveur est démarré" if url.get_backend_name() != "sqlite" else "")
        ) from None
    except DBAPIError as exc:
        engine.dispose()
        if getattr(exc.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
            raise
        raise StoreUnavailable(
            f"base de données {where(url)} : droits insuffisants pour créer ou modifier les "
            f"tables ({_reason(exc, url)}) ; donnez à cet utilisateur les droits CREATE sur "
            "la base, ou indiquez un autre utilisateur"
        ) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        readers=sessionmaker(
            engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        ),
        # Reentrant: a transaction begun inside another one waits for SQLite, as before.
        turns=threading.RLock() if url.get_backend_name() == "sqlite" else None,
    )


def database_url(url: str | URL) -> URL:
    """``url`` as the store opens it: PostgreSQL through psycopg 3 (``postgresql://`` and
    ``postgres://`` become ``postgresql+psycopg://``), SQLite as given. ``StoreUnavailable``
    for a URL that does not parse, another database or another driver."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The text may hold a password: it is not quoted back.
        raise StoreUnavailable(
            f"adresse de base de données illisible : écrivez {_URL_FORMS} ; {_URL_ADVICE}"
        ) from None
    driver = _ACCEPTED_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StoreUnavailable(
            f"base de données {where(parsed)} : « {parsed.drivername} » n'est pas pris en "
            f"charge, le store fonctionne sur SQLite ou sur PostgreSQL (pilote psycopg 3) ; "
            f"écrivez {_URL_FORMS}"
        )
    if parsed.get_backend_name() != "sqlite" and not parsed.database:
        raise StoreUnavailable(
            f"base de données {where(parsed)} : l'adresse ne nomme pas de base ; ajoutez-la "
            "à la fin (postgresql://utilisateur@hôte:port/base)"
        )
    return parsed.set(drivername=driver)


def where(url: URL) -> str:
    """Where a URL points, for a message: ``user@host:port/database`` or the SQLite file;
    never the password."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database or '(en mémoire)'}"
    user = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    return f"{user}{url.host or 'localhost'}{port}/{url.database or ''}"


def _reason(exc: DBAPIError, url: URL) -> str:
    """The driver's own words (first line), without the password should it appear there."""
    original = exc.orig if exc.orig is not None else exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason.removeprefix("connection failed: ")


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
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRESQL_CONNECT_TIMEOUT_S
    if "application_name" not in url.query:
        connect_args["application_name"] = "coursier"  # what pg_stat_activity shows
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


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
    # The busy timeout first: the statements below may meet another process's lock.
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    _switch_to_wal(cursor)
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Put the database in WAL mode (a setting kept in the file), unless it is already.

    Switching takes an exclusive lock and SQLite answers "database is locked" at once, without
    waiting the busy timeout, when another process holds the file, as when two processes open
    a fresh store together: then try again until the other one has switched it.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _begin_immediate(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
