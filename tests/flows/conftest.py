"""Flow tests: one sandbox per module, a fresh world per test (the session's Prefect API is
``prefect_api`` of ``tests/conftest.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

import coursier.tasks.accounts
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.deployments.sandbox_world import install_world
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store import open_store
from tests.flows.world import BAKERY, BUREAU, GARAGE, GARAGE_OWN, OPERATOR, QUICK


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=5, return_delays=QUICK) as server:
        yield server


@pytest.fixture
def clients_on_the_sandbox_clock(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> None:
    """The flows' platform clients read the sandbox's clock: a test moves it forward
    (``sandbox.clock.advance``) to publish returns instead of sleeping."""
    monkeypatch.setattr(
        coursier.tasks.accounts,
        "NetEntreprisesClient",
        partial(NetEntreprisesClient, clock=sandbox.clock.now),
    )


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store at the schema's head, made once: a world's store starts as a copy
    (running every migration took about 0.2 s of CPU per test)."""
    path = tmp_path_factory.mktemp("migrated-store") / "coursier.db"
    open_store(f"sqlite:///{path}").close()  # closed: the WAL is folded into the file
    return path


@pytest.fixture
def database_url() -> str | None:
    """The store of the flow tests: SQLite under tmp_path; a module may ask for others."""
    return None


@pytest.fixture
def world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: SandboxServer,
    prefect_api,
    database_url: str | None,
    migrated_store: Path,
):
    """Settings under tmp_path, the portfolio, the accounts and credentials, M2M for all but
    signals (to see "not deposited M2M")."""
    sandbox.reset()
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "var"))
    if database_url:
        monkeypatch.setenv("COURSIER_DATABASE_URL", database_url)
    monkeypatch.setenv("COURSIER_FOLLOW_POLL_SECONDS", "0.1")
    monkeypatch.setenv("COURSIER_ARRIVAL_GRACE_SECONDS", "0")
    monkeypatch.setenv("COURSIER_RECONCILE_WAIT_SECONDS", "20")
    # The per-dossier Prefect queue is tested on its own (test_prefect_guards): here the store
    # claims alone must keep deposits exactly-once, two runs at once included.
    monkeypatch.setenv("COURSIER_QUEUE_PER_DOSSIER", "0")
    settings = CoursierSettings()
    if not database_url:
        settings.sqlite_database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_store, settings.sqlite_database)
    with open_store(settings.effective_database_url()) as store:
        install_world(
            store,
            sandbox,
            [BAKERY, GARAGE],
            bureau=BUREAU,
            dossier_declarants={GARAGE.code: GARAGE_OWN},
            operator=OPERATOR,
            m2m_on=["dsn", "fctu"],
        )
    return settings
