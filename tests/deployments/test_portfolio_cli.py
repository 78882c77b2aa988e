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
from tests.models.portfolio.samples import (
    ACME_DECLARANT,
    ACME_LYON,
    ACME_NICE,
    CSV,
    CSV_WITH_DECLARANTS,
    SOUTH_DECLARANT,
    YAML,
)

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
        "declarant": None,
        "country": "FR",
        "company_number": "552081317",
        "establishments": [ACME_LYON, ACME_NICE],
        "platforms": {"dsn": "izilio"},
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


def test_list_without_any_declarant_has_no_declarant_column(csv_file: Path) -> None:
    runner.invoke(app, ["import", str(csv_file)])
    assert "Déclarant" not in runner.invoke(app, ["list"]).stdout


def test_declarants_are_imported_listed_and_inherited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    """On both backends: the store the CLI opens is the one COURSIER_DATABASE_URL names."""
    monkeypatch.setenv("COURSIER_DATABASE_URL", store_url)
    path = tmp_path / "concentrateur.csv"
    path.write_text(CSV_WITH_DECLARANTS, encoding="utf-8")
    imported = runner.invoke(app, ["import", str(path)])
    assert imported.exit_code == 0, imported.output
    dossiers = {d["code"]: d for d in json.loads(runner.invoke(app, ["list", "--json"]).stdout)}
    fields = ("siret", "last_name", "first_name")
    assert dossiers["CCH_001"]["declarant"] == dict(zip(fields, ACME_DECLARANT, strict=True))
    assert dossiers["CCH_002"]["declarant"] == dict(zip(fields, SOUTH_DECLARANT, strict=True))
    assert dossiers["BETA_01"]["declarant"] is None
    table = runner.invoke(app, ["list"])
    assert table.exit_code == 0
    assert "Déclarant (concentrateur)" in table.stdout
    for text in (*ACME_DECLARANT, "MARTIN-DURAND Jean Éric"):
        assert text in table.stdout


def test_values_from_the_file_are_shown_as_written_never_as_markup(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        CSV_WITH_DECLARANTS.replace("Acme Paris", "[red]Acme[/red] Paris").replace(
            "MARTIN-DURAND", "[bold]MARTIN"
        ),
        encoding="utf-8",
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    table = runner.invoke(app, ["list"])
    assert table.exit_code == 0, table.output
    assert "[red]Acme[/red] Paris" in table.stdout
    assert "[bold]MARTIN Jean Éric" in table.stdout


def test_bad_declarant_imports_nothing_and_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(CSV_WITH_DECLARANTS.replace("Jean Éric", "J" * 40), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 2
    assert (
        "p.csv, ligne 3, champ declarant_first_name : trop long : 39 caractères au plus"
        in result.stderr
    )
    with cli_store() as store, store.begin() as session:
        assert list_dossiers(session) == []


@pytest.mark.parametrize("command", [["list"], ["import", "p.csv"]])
def test_a_store_that_cannot_be_opened_is_one_line_naming_the_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    password = "Mdp-De-La-Base-2026"
    url = f"postgresql://paie:{password}@127.0.0.1:{port}/coursier"
    monkeypatch.setenv("COURSIER_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert f"base de données paie@127.0.0.1:{port}/coursier inutilisable" in result.stderr
    assert password not in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


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
