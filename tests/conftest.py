"""Fixtures for every test folder: a PostgreSQL server for the session, fresh databases, and
one Prefect API for the session.

The server is the distribution's own (``/usr/lib/postgresql/<version>/bin``, the ``postgresql``
package; ``.ci/run`` installs it when it is missing): ``initdb`` in a temporary folder,
``postgres`` on 127.0.0.1 on a free port, started once per session and stopped at its end,
whatever happened: a finalizer, ``atexit``, and for a session killed outright (SIGTERM or
SIGKILL skip both) a watchdog process in a session of its own that stops the server and removes
its folder once the pipe it reads from the test process closes. initdb refuses to run as root,
so as root the server runs as the ``postgres`` user (``nobody`` when there is none), owner of
the temporary folder. Without the binaries the tests that need the
server fail saying what to install: a store test that silently skips PostgreSQL would pass on
a machine where the PostgreSQL backend is broken.

- ``store_url``: parametrized ``sqlite`` / ``postgresql``, the URL of a fresh, empty database of
  that backend for the test (SQLite: a file under ``tmp_path``). Use it instead of a hard-coded
  ``sqlite:///`` URL to run a test on both backends. The server starts only when a
  ``postgresql`` test runs.
- ``postgres_url_factory``: a callable returning the URL of a brand-new empty database at each
  call (dropped after the test), for tests that need several.
- ``postgres_server``: the server itself (host, port, the superuser and its password).

URLs are plain ``postgresql://user:password@127.0.0.1:port/db``, as a user would write them:
the store turns them into psycopg 3's. The superuser has a password (SCRAM), so tests can
check that no message ever shows it.

- ``prefect_api``: a temporary Prefect API (:mod:`tests.prefect_harness`, on a database of
  the session's PostgreSQL) started once for the session by the first test that asks for it,
  and stopped at the session's end; every test that runs flows, saves Blocks or reads runs asks
  for it by name. Tests that do not start none, and import no Prefect.

Tests marked ``long`` are collected first, each paired with a short one: the parallel run
(``--maxschedchunk 2`` in the Makefile) gives each worker one pair to begin with, so the long
tests start at once, on different workers, instead of one worker finishing a demo alone at the
end of ``make test``.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Property tests prove what holds for every example, not how fast one runs: hypothesis's
    200 ms deadline per example fails them on a loaded machine (four workers on two cores)."""
    from hypothesis import settings

    settings.register_profile("coursier", deadline=None)
    settings.load_profile("coursier")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    long = [item for item in items if item.get_closest_marker("long")]
    short = [item for item in items if not item.get_closest_marker("long")]
    pairs = [item for pair in zip(long, short, strict=False) for item in pair]
    items[:] = pairs + long[len(short) :] + short[len(long) :]


POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
INSTALL_ADVICE = (
    "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found on PATH nor under "
    f"{POSTGRES_BIN_GLOB}: install the distribution's `postgresql` package "
    "(apt-get install -y postgresql; .ci/run does it when they are missing)"
)
SUPERUSER = "coursier"
STARTUP_SECONDS = 60
# Waits until its standard input closes (the test process is gone, however it ended), then
# runs the stop command given as arguments and removes the server's folder.
_WATCHDOG = """
import shutil, subprocess, sys
sys.stdin.read()
subprocess.run(sys.argv[2:], capture_output=True, timeout=60)
shutil.rmtree(sys.argv[1], ignore_errors=True)
"""
# The test server keeps nothing worth a crash-safe write: durability off makes it fast.
SERVER_SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
)


def postgres_bin() -> Path | None:
    """The folder of initdb/pg_ctl/postgres: PATH's if it has them, else the newest version
    under ``/usr/lib/postgresql`` (Debian keeps them off PATH)."""
    on_path = [shutil.which(tool) for tool in ("initdb", "pg_ctl", "postgres")]
    if all(on_path):
        return Path(on_path[0]).parent  # type: ignore[arg-type]

    def version(folder: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", folder))

    for folder in sorted(glob.glob(POSTGRES_BIN_GLOB), key=version, reverse=True):
        if all((Path(folder) / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL server on 127.0.0.1, run by ``as_user`` (None: ourselves)."""

    bin: Path
    folder: Path
    as_user: str | None
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    host: str = "127.0.0.1"
    port: int = 0
    user: str = SUPERUSER
    _stopped: bool = False
    _watchdog: subprocess.Popen[bytes] | None = None
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def _run(self, *command: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._prefix(), *map(str, command)],
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
            cwd=self.folder,
        )

    def _prefix(self) -> list[str]:
        """Run as ``as_user``: runuser where util-linux has it, else setpriv."""
        if self.as_user is None:
            return []
        if shutil.which("runuser"):
            return ["runuser", "-u", self.as_user, "--"]
        entry = pwd.getpwnam(self.as_user)
        return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]

    def _stop_command(self) -> list[str]:
        return [
            *self._prefix(),
            *map(str, (self.bin / "pg_ctl", "-D", self.data, "stop", "-m", "immediate", "-w")),
        ]

    def _watch(self) -> None:
        """Leave behind a watchdog that stops the server when this process is gone."""
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self.folder), *self._stop_command()],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # out of reach of a signal sent to our process group
            cwd="/",
        )

    def start(self) -> None:
        """initdb, then start on a free port (another if that one was taken meanwhile)."""
        self._watch()
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n")
        self._give(password_file)
        initdb = self._run(
            self.bin / "initdb",
            "-D",
            self.data,
            "-U",
            self.user,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        password_file.unlink()
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        for _attempt in range(5):
            self.port = _free_port()
            options = " ".join(
                ["-h", self.host, "-p", str(self.port), "-k", str(self.folder)]
                + [arg for setting in SERVER_SETTINGS for arg in ("-c", setting)]
            )
            started = self._run(
                self.bin / "pg_ctl",
                "-D",
                self.data,
                "-l",
                self.log,
                "-w",
                "-t",
                str(STARTUP_SECONDS),
                "-o",
                options,
                "start",
            )
            if started.returncode == 0:
                self._wait_until_ready()
                return
            if "could not bind" not in self._log_text():
                break
        raise RuntimeError(f"PostgreSQL did not start:\n{started.stderr}\n{self._log_text()}")

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=5).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _give(self, path: Path) -> None:
        if self.as_user is not None:
            entry = pwd.getpwnam(self.as_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def create_database(self) -> str:
        """A new empty database; its name."""
        import psycopg

        with self._lock:
            name = f"test_{next(self._counter)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing whatever connection a test left open to it."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server at once (nothing in it is kept) and remove its folder; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._watchdog is not None:
            self._watchdog.kill()  # stopping here: it has nothing left to do
            self._watchdog.wait()
            self._watchdog.stdin.close()  # type: ignore[union-attr]
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self._stop_command(), capture_output=True, timeout=STARTUP_SECONDS, cwd="/"
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def _server_user() -> str | None:
    """Who runs the server: ourselves, unless we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    pytest.fail("running as root, and neither a postgres nor a nobody user to run PostgreSQL as")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session; stopped at its end even on failure (of
    the session, or of its own start), and at exit should the session die on the way."""
    binaries = postgres_bin()
    if binaries is None:
        pytest.fail(INSTALL_ADVICE, pytrace=False)
    as_user = _server_user()
    # Not under pytest's tmp_path: its parents are private to root, the server user could not
    # reach its folder.
    folder = Path(tempfile.mkdtemp(prefix="coursier-postgres-"))
    server = PostgresServer(bin=binaries, folder=folder, as_user=as_user)
    server._give(folder)
    atexit.register(server.stop)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url_factory(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Call it for the URL of a brand-new empty database; each is dropped after the test."""
    created: list[str] = []

    def new_database_url() -> str:
        name = postgres_server.create_database()
        created.append(name)
        return postgres_server.url(name)

    yield new_database_url
    for name in created:
        postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend for the test: its URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    factory: Callable[[], str] = request.getfixturevalue("postgres_url_factory")
    return factory()


@pytest.fixture(scope="session")
def prefect_api(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One temporary Prefect API for the whole session (it takes seconds to start), on a
    database of the session's PostgreSQL (:mod:`tests.prefect_harness` says why): its URL. Its
    home and its log (``server.log``) are ``prefect-api`` in the session's temporary folder."""
    from tests.prefect_harness import prefect_api_on

    database = postgres_server.url(postgres_server.create_database())
    home = tmp_path_factory.mktemp("prefect-api")
    with prefect_api_on(database.replace("postgresql://", "postgresql+asyncpg://", 1), home) as api:
        yield api


@pytest.fixture(autouse=True)
def _coursier_home_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's coursier state in its own folder, even when pytest is run without make: a
    test that forgets to point COURSIER_HOME somewhere would write in the user's data directory
    (one was found there, with its Prefect home, after helpers ran tests directly)."""
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "coursier-home"))
