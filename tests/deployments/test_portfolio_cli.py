"""``coursier portfolio import|list``: all or nothing, idempotent, audited, never a traceback."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursier.deployments.portfolio_cli import app
from coursier.store import list_dossiers, query_audit
from tests.deployments.cli_env import OPERATOR, cli_store, point_at
from tests.models.portfolio.samples import ACME_LYON, ACME_NICE, CSV, YAML

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(tmp_path, monkeypatch)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "portefeuille.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_import_then_list_as_json(csv_file: Path) -> None:
    result = runner.invoke(app, ["import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "portefeuille.csv : 9 créé(s), 0 modifié(s), 0 inchangé(s)" in result.stdout
    listed = runner.invoke(app, ["list", "--json"])
    assert listed.exit_code == 0
    dossiers = json.loads(listed.stdout)
    assert [d["code"] for d in dossiers] == ["BETA_01", "CCH_001", "CCH_002", "LP_01"]
    assert dossiers[2] == {
        "code": "CCH_002",
        "name": "Acme Sud",
        "siren": "552081317",
        "company_name": "Acme",
        "directory_code": "CAB-NORD",
        "sirets": [ACME_LYON, ACME_NICE],
        "platform": "izilio",
    }


def test_second_import_changes_nothing_and_each_import_is_audited(csv_file: Path) -> None:
    runner.invoke(app, ["import", str(csv_file)])
    result = runner.invoke(app, ["import", str(csv_file)])
    assert result.exit_code == 0
    assert "0 créé(s), 0 modifié(s), 9 inchangé(s)" in result.stdout
    with cli_store() as store, store.begin() as session:
        events = query_audit(session)
    assert [(e.actor, e.action, e.subject, e.outcome) for e in events] == [
        (OPERATOR, "portfolio.import", "portefeuille.csv", "ok"),
    ] * 2
    assert events[1].details == {
        "created": 0,
        "updated": 0,
        "unchanged": 9,
        "sha256": hashlib.sha256(csv_file.read_bytes()).hexdigest(),
    }


def test_list_shows_a_table(csv_file: Path) -> None:
    runner.invoke(app, ["import", str(csv_file)])
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    for text in ("CCH_001", "Acme Paris", "CAB-NORD", "izilio", ACME_NICE):
        assert text in result.stdout


def test_list_of_an_empty_portfolio_says_how_to_fill_it() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert "coursier portfolio import" in result.stdout


def test_yaml_by_extension_and_format_forced(tmp_path: Path) -> None:
    (tmp_path / "p.yml").write_text(YAML, encoding="utf-8")
    (tmp_path / "p.txt").write_text(YAML, encoding="utf-8")
    assert runner.invoke(app, ["import", str(tmp_path / "p.yml")]).exit_code == 0
    forced = runner.invoke(app, ["import", "--format", "yaml", str(tmp_path / "p.txt")])
    assert forced.exit_code == 0
    assert "9 inchangé(s)" in forced.stdout


def test_bad_file_imports_nothing_and_names_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace("552081317", "552081318", 1), encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2
    assert "rien n'est importé" in result.stderr
    assert "bad.csv, ligne 2, champ siren : le SIREN '552081318' a une clé" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    with cli_store() as store, store.begin() as session:
        assert list_dossiers(session) == []
        assert query_audit(session) == []


@pytest.mark.parametrize(
    ("name", "content", "args", "expected"),
    [
        ("absent.csv", None, [], "fichier introuvable"),
        ("latin1.csv", CSV.replace("siège", "si\xe8ge").encode("latin-1"), [], "UTF-8"),
        ("p.xlsx", b"PK", [], "précisez --format csv ou --format yaml"),
    ],
)
def test_unreadable_input_exits_2_with_a_message(
    tmp_path: Path, name: str, content: bytes | None, args: list[str], expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["import", *args, str(path)])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
