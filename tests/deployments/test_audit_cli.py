"""``coursier audit``: the listing stays the default with its filters; ``audit verify`` says
the trail is intact or names the first broken link, with exit code 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.store import append_audit
from tests.deployments.cli_env import cli_store, point_at

runner = CliRunner()
T0 = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(tmp_path, monkeypatch)


@pytest.fixture
def trail() -> None:
    with cli_store() as store, store.begin() as session:
        for n, dossier in enumerate(("CCH001", "CCH002", "CCH001"), start=1):
            append_audit(
                session,
                actor="alice",
                action="import",
                dossier=dossier,
                outcome="ok",
                at=T0 + timedelta(minutes=n),
            )


@pytest.mark.usefixtures("trail")
def test_the_listing_is_still_the_default_with_its_filters() -> None:
    result = runner.invoke(app, ["audit", "--dossier", "CCH001", "--json"])
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert [e["dossier"] for e in events] == ["CCH001", "CCH001"]
    assert events[0]["at"] == (T0 + timedelta(minutes=1)).isoformat()
    table = runner.invoke(app, ["audit"])
    assert table.exit_code == 0, table.output
    assert "Piste d'audit" in table.stdout
    assert table.stdout.count("CCH002") == 1


@pytest.mark.usefixtures("trail")
def test_verify_says_an_untouched_trail_is_intact() -> None:
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Piste d'audit intacte : 3 événements vérifiés."


def test_verify_on_an_empty_trail() -> None:
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Piste d'audit intacte : 0 événement vérifié." in result.stdout


@pytest.mark.usefixtures("trail")
def test_verify_names_the_first_broken_link_and_fails() -> None:
    with cli_store() as store, store.begin() as session:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("UPDATE audit_events SET outcome = 'failed' WHERE id = 2"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "Piste d'audit rompue à l'événement n° 2" in result.stderr
    assert "modifié" in result.stderr
    assert "1 événement vérifié avant lui" in result.stderr
    assert "Traceback" not in result.output
