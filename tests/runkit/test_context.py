"""The run context: settings given, never read from the environment; audit rows that name the
dossier in play; the final state from the outcomes."""

from __future__ import annotations

import pytest
from prefect.states import StateType

import coursier.runkit.context
from coursier.runkit import RunFailed, RunReport, start_run
from coursier.runkit.status import final_state
from coursier.settings import CoursierSettings
from coursier.store import OutcomeIn, open_store, query_audit


@pytest.fixture
def settings(tmp_path):
    return CoursierSettings(home=tmp_path / "given")


def audit_rows(settings):
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        return [(e.action, e.dossier, e.flow, e.actor) for e in query_audit(session)]


def test_the_run_uses_the_settings_it_is_given_whatever_the_environment(
    settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "from-env"))
    monkeypatch.setenv("COURSIER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    run = start_run("sync", settings, "claire")
    run.audit("sync.started")
    run.finish("rien")
    assert run.settings is settings
    assert (settings.home / "coursier.db").exists()
    assert not (tmp_path / "from-env").exists()
    assert audit_rows(settings) == [("sync.started", None, "sync", "claire")]


def test_a_run_bound_to_a_dossier_names_it_in_every_row_that_names_none(settings):
    run = start_run("sync", settings, "claire", dossier="CCH-001")
    run.audit("sync.step")
    run.audit("sync.other", dossier="CCH-002")  # a row about another dossier says so
    other = run.for_dossier("CCH-003")
    other.audit("sync.step")
    with run.store.begin() as session:
        run.audit_in(session, "sync.inside")
    run.fail("les identifiants manquent")
    assert [(action, dossier) for action, dossier, *_ in audit_rows(settings)] == [
        ("sync.step", "CCH-001"),
        ("sync.other", "CCH-002"),
        ("sync.step", "CCH-003"),
        ("sync.inside", "CCH-001"),
        ("run.failed", "CCH-001"),
    ]
    assert run.dossier_code == "CCH-001"  # the view for CCH-003 did not change the run


def test_outcomes_and_audit_rows_written_together_are_lost_together(settings):
    run = start_run("sync", settings, "claire", dossier="CCH-001")

    def cut_midway() -> None:
        with run.store.begin() as session:
            run.record_in(session, [OutcomeIn("a", "ok")])
            run.audit_in(session, "sync.item", subject="a")
            raise RuntimeError("coupure")

    with pytest.raises(RuntimeError):
        cut_midway()
    state = run.finish("rien")
    assert state.result().items == []
    assert audit_rows(settings) == []


def test_an_unknown_dossier_says_how_to_add_it(settings):
    run = start_run("sync", settings, "claire")
    with pytest.raises(RunFailed, match="coursier portfolio import"):
        run.dossier("NOPE")
    run.finish("rien")


def test_the_outcomes_recorded_make_the_report(settings):
    run = start_run("sync", settings, "claire")
    run.record([OutcomeIn("a", "ok"), OutcomeIn("b", "failed", "E", "cassé")])
    run.record([OutcomeIn("b", "ok")])  # seen again: the last outcome counts
    state = run.finish("2 clients")
    report = state.result()
    assert (report.ok, report.failed, report.skipped) == (2, 0, 0)
    assert [item.key for item in report.items] == ["a", "b"]
    assert state.type is StateType.COMPLETED
    assert state.name == "Completed"


def test_a_large_run_reports_its_failed_and_skipped_items_only(settings, monkeypatch):
    """Beyond REPORT_ITEMS items the report keeps the ones to act on, and says how many it left
    out; the counts stay the run's."""
    monkeypatch.setattr(coursier.runkit.context, "REPORT_ITEMS", 5)
    run = start_run("sync", settings, "claire")
    run.record([OutcomeIn(f"ok-{n}", "ok") for n in range(6)])
    run.record([OutcomeIn("k", "skipped"), OutcomeIn("f", "failed", "E", "cassé")])
    report = run.finish("8 salariés").result()
    assert (report.ok, report.failed, report.skipped) == (6, 1, 1)
    assert [(item.key, item.status) for item in report.items] == [("k", "skipped"), ("f", "failed")]
    assert report.items_left_out == 6


def test_a_large_run_lists_at_most_report_items(settings, monkeypatch):
    monkeypatch.setattr(coursier.runkit.context, "REPORT_ITEMS", 3)
    run = start_run("sync", settings, "claire")
    run.record(
        [OutcomeIn("ok", "ok"), *(OutcomeIn(f"f-{n}", "failed", "E", "x") for n in range(5))]
    )
    report = run.finish("6 salariés").result()
    assert [item.key for item in report.items] == ["f-0", "f-1", "f-2"]
    assert report.items_left_out == 3
    assert report.failed == 5


@pytest.mark.parametrize(
    ("ok", "failed", "skipped", "kind", "name", "message"),
    [
        (3, 0, 0, StateType.COMPLETED, "Completed", "3 clients"),
        (0, 0, 2, StateType.COMPLETED, "Completed", "3 clients"),
        (0, 0, 0, StateType.COMPLETED, "Completed", "3 clients"),
        (2, 1, 0, StateType.COMPLETED, "Partial", "3 clients"),
        (0, 1, 1, StateType.COMPLETED, "Partial", "3 clients"),
        (0, 3, 0, StateType.FAILED, "Failed", "Rien n'a abouti : 3 clients"),
    ],
)
def test_the_final_state_follows_the_counts(ok, failed, skipped, kind, name, message):
    report = RunReport(flow="sync", flow_run_id="R", ok=ok, failed=failed, skipped=skipped)
    state = final_state(report, "3 clients")
    assert (state.type, state.name, state.message) == (kind, name, message)
