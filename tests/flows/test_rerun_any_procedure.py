"""``coursier rerun`` replays the runs of any registered procedure, through the run kit alone:
a fake procedure, registered here and nowhere else, is found, re-run as a whole when it failed
as a whole, re-run on its failures when some failed, and left alone when nothing did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from prefect import flow
from prefect.states import State
from typer.testing import CliRunner

from coursier.deployments import registry
from coursier.deployments.cli import app
from coursier.runkit import (
    NothingToRetry,
    Operator,
    RetryFailedOf,
    RunFailed,
    ask,
    start_run,
)
from coursier.settings import CoursierSettings
from coursier.store import OutcomeIn, open_store, outcomes_of

FAKE = "fake-import"
runner = CliRunner()


@flow(name=FAKE)
def fake_import(
    clients: Annotated[list[str], ask("Clients", "Les clients à importer, pour ce test.")],
    signal: Annotated[
        str, ask("Signal", "Le fichier qui dit quels clients échouent, s'il y a lieu.")
    ],
    retry_failed_of: RetryFailedOf = None,
    operator: Operator = None,
) -> State:
    """Import de clients pour les tests : échoue en entier tant que le signal manque."""
    run = start_run(FAKE, CoursierSettings(), operator)
    try:
        retry = run.outcomes_to_retry(retry_failed_of)
    except NothingToRetry as nothing:
        return run.finish(str(nothing))
    except RunFailed as stop:
        return run.fail(str(stop))
    if not Path(signal).exists():
        return run.fail("Le signal manque : créez-le, puis relancez.")
    broken = set(Path(signal).read_text().split())
    keys = [details["client"] for details in retry] if retry is not None else clients
    run.record(
        OutcomeIn(key, "failed" if key in broken else "ok", details={"client": key}) for key in keys
    )
    return run.finish(f"{len(keys)} client(s)")


@pytest.fixture
def procedure(tmp_path, monkeypatch, prefect_api) -> Iterator[None]:
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "var"))
    fake = registry.Procedure(
        "fake",
        flows=(
            registry.ProcedureFlow(
                FAKE, f"{__name__}:fake_import", registry.Noun("client", "clients")
            ),
        ),
    )
    registry.register(fake)
    yield
    registry.unregister(fake.name)


def rerun(state: State) -> tuple[int, str]:
    result = runner.invoke(app, ["rerun", str(state.state_details.flow_run_id)])
    return result.exit_code, result.output


def outcomes(run_id) -> list[tuple[str, str]]:
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        return [(o.item_key, o.status) for o in outcomes_of(s, str(run_id))]


def latest_run(name: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name])))
    return max(runs, key=lambda r: r.created)


def test_a_registered_procedure_is_rerun_whole_then_on_its_failures_then_not(procedure, tmp_path):
    signal = tmp_path / "signal"
    first = fake_import(clients=["a", "b"], signal=str(signal), return_state=True)
    assert first.is_failed()

    signal.write_text("b")  # ready now, but client b fails
    code, output = rerun(first)
    assert (code, output.split(" — ")[0]) == (0, "fake-import : Partial")
    whole = latest_run(FAKE)
    assert whole.parameters["clients"] == ["a", "b"]  # the same run again, whole
    assert whole.parameters.get("retry_failed_of") is None
    assert outcomes(whole.id) == [("a", "ok"), ("b", "failed")]

    signal.write_text("")  # b is mended
    partial = whole.state
    code, output = rerun(partial)
    assert (code, output.split(" — ")[0]) == (0, "fake-import : Completed")
    retried = latest_run(FAKE)
    assert retried.parameters["retry_failed_of"] == str(whole.id)
    assert outcomes(retried.id) == [("b", "ok")]  # only the client that had failed

    code, output = rerun(retried.state)
    assert code == 0
    assert f"Rien à relancer : aucun client en échec dans l'exécution {retried.id}" in output
    assert latest_run(FAKE).id == retried.id  # no new run
