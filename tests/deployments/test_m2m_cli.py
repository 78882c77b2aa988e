"""``coursier m2m on|off|status``: per operator and module, off by default, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursier.deployments.m2m_cli import app
from coursier.store import query_audit
from tests.deployments.cli_env import OPERATOR, cli_store, point_at

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(tmp_path, monkeypatch)


def status(*args: str) -> list[tuple[str, str, bool]]:
    result = runner.invoke(app, ["status", "--json", *args])
    assert result.exit_code == 0, result.output
    return [(s["operator"], s["module"], s["enabled"]) for s in json.loads(result.stdout)]


def test_everything_is_off_at_first() -> None:
    assert status() == [
        (OPERATOR, "dsn", False),
        (OPERATOR, "signalement", False),
        (OPERATOR, "fctu", False),
    ]


def test_on_for_one_module_of_the_current_user() -> None:
    result = runner.invoke(app, ["on", "--module", "signalement"])
    assert result.exit_code == 0, result.output
    assert f"Dépôt M2M actif pour {OPERATOR} : Signalements" in result.stdout
    assert status() == [
        (OPERATOR, "dsn", False),
        (OPERATOR, "signalement", True),
        (OPERATOR, "fctu", False),
    ]


def test_every_module_by_default_and_another_operator() -> None:
    assert runner.invoke(app, ["on", "--operator", "bob"]).exit_code == 0
    assert runner.invoke(app, ["off", "--operator", "bob", "--module", "fctu"]).exit_code == 0
    assert status("--operator", "bob") == [
        ("bob", "dsn", True),
        ("bob", "signalement", True),
        ("bob", "fctu", False),
    ]
    assert status() == [
        (OPERATOR, "dsn", False),
        (OPERATOR, "signalement", False),
        (OPERATOR, "fctu", False),
    ]
    assert status("--all") == [
        ("bob", "dsn", True),
        ("bob", "fctu", False),
        ("bob", "signalement", True),
    ]


def test_each_switch_is_audited_with_who_did_it() -> None:
    runner.invoke(app, ["on", "--operator", "bob", "--module", "dsn", "--module", "fctu"])
    with cli_store() as store, store.begin() as session:
        events = query_audit(session)
    assert [(e.actor, e.action, e.subject) for e in events] == [
        (OPERATOR, "m2m.on", "bob/dsn"),
        (OPERATOR, "m2m.on", "bob/fctu"),
    ]


def test_status_table_is_readable() -> None:
    runner.invoke(app, ["on", "--module", "dsn"])
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0
    assert "DSN mensuelle" in result.stdout
    assert "actif" in result.stdout
    assert "inactif" in result.stdout


def test_unknown_module_is_refused() -> None:
    result = runner.invoke(app, ["on", "--module", "dpae"])
    assert result.exit_code == 2
    assert "dpae" in result.output
