"""What the Cegid Flow tests share: the sandbox (initial loads complete at the second look), a
world per test (the seeded portfolio imported, the firm's Loop credentials saved for the whole
application), and helpers to read the run's results. Its own test: the world is sound."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from coursier.connectors.cegid_loop import CEGID_LOOP, CegidLoopCredentials
from coursier.connectors.credentials import save
from coursier.models.portfolio import load_portfolio
from coursier.sandbox.cegid_loop_seed import (
    FIRM_API_KEY,
    FIRM_API_SECRET,
    FIRM_SUBSCRIPTION_KEY,
    SEEDED,
    portfolio_document,
)
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store import open_store, outcomes_of
from coursier.store.portfolio import import_portfolio
from coursier.tasks.cegid_accounts import LoopAccounts

READY = ("CF-PRET-01", "CF-PRET-02", "CF-PRET-03", "CF-DSP2")
SECRETS = (FIRM_API_SECRET, FIRM_SUBSCRIPTION_KEY)


@pytest.fixture(scope="module")
def cegid_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=12) as server:
        yield server


@pytest.fixture
def loop(cegid_sandbox):
    cegid_sandbox.reset()
    return cegid_sandbox.state("cegid-loop")


@pytest.fixture
def cegid_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cegid_sandbox, loop, prefect_api
) -> CoursierSettings:
    """The seeded portfolio in a fresh store, the firm's credentials for the application,
    initial loads waited for without sleeping long."""
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("COURSIER_CEGID_LOAD_POLL_SECONDS", "0.01")
    monkeypatch.setenv("COURSIER_CEGID_LOAD_TIMEOUT_SECONDS", "0.5")
    settings = CoursierSettings()
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        text = yaml.safe_dump(portfolio_document(), allow_unicode=True)
        import_portfolio(session, load_portfolio(text, "portefeuille.yaml", "yaml"))
    save(
        CegidLoopCredentials(
            base_url=cegid_sandbox.url("cegid-loop"),
            api_key=FIRM_API_KEY,
            subscription_key=FIRM_SUBSCRIPTION_KEY,
            api_secret=FIRM_API_SECRET,
        ),
        CEGID_LOOP.platform,
    )
    return settings


def outcomes(settings: CoursierSettings, state) -> dict[str, object]:
    """The run's outcome per dossier, from the store."""
    run_id = str(state.state_details.flow_run_id)
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        return {o.item_key: o for o in outcomes_of(session, run_id)}


def test_the_world_holds_every_seeded_dossier_and_resolves_the_firms_account(cegid_world):
    with open_store(cegid_world.effective_database_url()) as store, store.begin() as session:
        from coursier.store.portfolio import list_dossiers

        views = list_dossiers(session)
    assert {v.code for v in views} == {s.code for s in SEEDED}
    accounts = LoopAccounts(5)
    try:
        resolved = accounts.resolve(views)
    finally:
        accounts.close()
    keys = {a.key for a in resolved.values()}
    assert len(keys) == 1
    assert FIRM_API_SECRET not in next(iter(keys))


def artifacts_of(state, key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            )
        )


def table_of(artifact) -> list[dict[str, object]]:
    import json

    return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
