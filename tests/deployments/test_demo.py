"""``make demo``: the whole month of a bureau, deposited to the sandbox, as a manager reads it."""

from __future__ import annotations

import os

from rich.console import Console

from coursier.deployments.demo import BUREAU, GARAGE_OWN, run_demo
from coursier.models.control import control_rows
from coursier.models.deposits import ControlState
from coursier.settings import CoursierSettings
from coursier.store import open_store
from coursier.store.ledger import control_rows as ledger_rows


def test_demo_shows_the_four_states_and_files_the_aer(tmp_path):
    console = Console(record=True, width=200)
    before = os.environ.get("COURSIER_HOME")
    assert run_demo(tmp_path, console) == 0
    assert os.environ.get("COURSIER_HOME") == before  # the demo's setting does not leak
    settings = CoursierSettings(home=tmp_path / "demo")
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        rows = control_rows(ledger_rows(session))
    # The seed's four icons; "non déposée" (the platform never received it) needs a fault.
    assert {row.state for row in rows} == set(ControlState) - {ControlState.NOT_DEPOSITED}
    assert [row.pdf for row in rows].count(True) == 1
    assert list((settings.aer_folder / "GAR-02" / "2026-10").glob("*.pdf"))
    text = console.export_text()
    assert "Contrôle des DSN" in text
    assert "Traceback" not in text
    assert "Error" not in text
    for secret in (BUREAU.password.get_secret_value(), GARAGE_OWN.password.get_secret_value()):
        assert secret not in text


def test_a_demo_whose_run_failed_exits_with_its_code(monkeypatch, tmp_path):
    """`make demo` must fail when a run of the demo failed, not print and exit 0."""
    from typer.testing import CliRunner

    import coursier.deployments.demo as demo_module
    from coursier.deployments.cli import app

    monkeypatch.setenv("COURSIER_HOME", str(tmp_path))
    monkeypatch.setattr(demo_module, "run_demo", lambda home, console: 3)
    assert CliRunner().invoke(app, ["demo"]).exit_code == 3
    monkeypatch.setattr(demo_module, "run_demo", lambda home, console: 0)
    assert CliRunner().invoke(app, ["demo"]).exit_code == 0
