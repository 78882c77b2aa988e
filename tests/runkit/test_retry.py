"""Which items a retry processes, and what ``coursier rerun`` does with a finished run."""

from __future__ import annotations

import pytest

from coursier.runkit import NothingToRetry, RunFailed
from coursier.runkit.retry import Rerun, failed_details, plan_rerun
from coursier.store import OutcomeIn, open_store, record_outcomes


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def record(store, run_id, flow, *outcomes):
    with store.begin() as session:
        record_outcomes(session, run_id, flow, list(outcomes))


def details_of(store, flow, retry_failed_of):
    with store.begin() as session:
        return failed_details(session, flow, retry_failed_of)


def test_only_the_failed_items_come_back_with_their_details(store):
    record(
        store,
        "run-1",
        "sync",
        OutcomeIn("a", "ok", details={"client": "a"}),
        OutcomeIn("b", "failed", "E1", details={"client": "b"}),
        OutcomeIn("c", "skipped", details={"client": "c"}),
        OutcomeIn("d", "failed", "E2", details={"client": "d"}),
    )
    assert details_of(store, "sync", "run-1") == [{"client": "b"}, {"client": "d"}]


def test_last_is_the_latest_run_of_the_same_flow_only(store):
    record(store, "run-1", "sync", OutcomeIn("a", "failed", details={"n": 1}))
    record(store, "run-2", "sync", OutcomeIn("a", "failed", details={"n": 2}))
    record(store, "other", "import", OutcomeIn("z", "failed", details={"n": 3}))
    assert details_of(store, "sync", "last") == [{"n": 2}]
    assert details_of(store, "import", "last") == [{"n": 3}]


def test_a_run_with_nothing_failed_has_nothing_to_retry(store):
    record(store, "run-1", "sync", OutcomeIn("a", "ok"), OutcomeIn("b", "skipped"))
    with pytest.raises(NothingToRetry, match="aucun élément en échec dans l'exécution run-1"):
        details_of(store, "sync", "run-1")
    with pytest.raises(NothingToRetry):
        details_of(store, "sync", "last")


@pytest.mark.parametrize(
    ("flow", "retry_failed_of", "message"),
    [
        ("sync", "last", "Aucune exécution précédente de sync"),
        ("sync", "never-ran", "n'a enregistré aucun résultat"),
        ("sync", "of-import", "exécution de import, pas de sync"),
    ],
)
def test_a_run_that_cannot_be_retried_says_why(store, flow, retry_failed_of, message):
    record(store, "of-import", "import", OutcomeIn("z", "failed", details={"path": "/etc/x"}))
    with pytest.raises(RunFailed, match=message):
        details_of(store, flow, retry_failed_of)


PARAMETERS = {"dossier": "BOUL-01", "files": ["a.dsn"], "retry_failed_of": None}


@pytest.mark.parametrize(
    ("state", "finished", "completed", "failed", "expected"),
    [
        # some items failed, whatever the state: those again
        ("Partial", True, True, 2, Rerun({**PARAMETERS, "retry_failed_of": "R"})),
        ("Failed", True, False, 3, Rerun({**PARAMETERS, "retry_failed_of": "R"})),
        # failed as a whole: the very same run again
        ("Failed", True, False, 0, Rerun(PARAMETERS)),
        ("Crashed", True, False, 0, Rerun(PARAMETERS)),
        ("Cancelled", True, False, 0, Rerun(PARAMETERS)),
        # nothing failed: nothing to do, and that is no error
        (
            "Completed",
            True,
            True,
            0,
            Rerun(None, "Rien à relancer : aucun fichier en échec dans l'exécution R (Completed)."),
        ),
        # not over: not yet
        (
            "Running",
            False,
            False,
            0,
            Rerun(
                None, "L'exécution R n'est pas terminée (Running) : relancez-la une fois finie.", 1
            ),
        ),
    ],
)
def test_what_rerun_does_with_a_run(state, finished, completed, failed, expected):
    plan = plan_rerun(
        "R",
        PARAMETERS,
        state_name=state,
        finished=finished,
        completed=completed,
        failed_items=failed,
        noun="fichier",
    )
    assert plan == expected


def test_a_whole_rerun_keeps_the_retry_the_run_itself_was():
    """A retry that failed as a whole is replayed as that retry, not as a full run."""
    parameters = {**PARAMETERS, "retry_failed_of": "EARLIER"}
    plan = plan_rerun(
        "R",
        parameters,
        state_name="Failed",
        finished=True,
        completed=False,
        failed_items=0,
        noun="fichier",
    )
    assert plan.parameters == parameters
    assert plan.parameters is not parameters
