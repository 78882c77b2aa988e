"""``make demo``'s exit code (what the demo shows, and its world of its own:
``test_demo_isolation.py``)."""

from __future__ import annotations


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
