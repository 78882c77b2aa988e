"""``coursier portfolio`` with Belgian companies and platforms per procedure, and with files
made to hurt: a code leaving its folder, YAML nested past any portfolio; each refused in one
clear message, nothing imported, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursier.deployments.portfolio_cli import app
from coursier.store import list_dossiers
from tests.deployments.cli_env import cli_store, point_at
from tests.models.portfolio.samples import SOLVAY, SOLVAY_UNIT, SOLVAY_UNIT_2, YAML, YAML_BELGIUM

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(tmp_path, monkeypatch)


def _import(tmp_path: Path, text: str, name: str = "p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["import", str(path)])


def _nothing_imported() -> None:
    with cli_store() as store, store.begin() as session:
        assert list_dossiers(session) == []


def test_belgian_companies_are_imported_and_listed(tmp_path: Path) -> None:
    imported = _import(tmp_path, YAML_BELGIUM)
    assert imported.exit_code == 0, imported.output
    table = runner.invoke(app, ["list"])
    assert table.exit_code == 0
    for text in (f"BE{SOLVAY}", SOLVAY_UNIT, "hr-sync : payflip", "client-import : admin-is"):
        assert text in table.stdout
    dossiers = {d["code"]: d for d in json.loads(runner.invoke(app, ["list", "--json"]).stdout)}
    assert dossiers["SOL_RH"] == {
        "code": "SOL_RH",
        "name": "Solvay RH",
        "siren": None,
        "company_name": "Solvay",
        "directory_code": "BXL",
        "sirets": [],
        "platform": None,
        "declarant": None,
        "country": "BE",
        "company_number": SOLVAY,
        "establishments": [SOLVAY_UNIT_2, SOLVAY_UNIT],  # by number
        "platforms": {"hr-sync": "payflip"},
    }


def test_a_dossier_code_leaving_the_aer_folder_is_refused_at_import(tmp_path: Path) -> None:
    result = _import(tmp_path, YAML.replace("code: CCH_001", 'code: "../../../x"'))
    assert result.exit_code == 2
    assert (
        "p.yaml, directories[0].companies[0].dossiers[0].code, champ code : le code "
        "'../../../x' contient '/'" in result.stderr
    )
    assert "Traceback" not in result.output
    _nothing_imported()
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize(
    "text",
    [
        "directories: " + "[" * 100_000 + "]" * 100_000,
        "".join("  " * i + "a:\n" for i in range(5000)),
    ],
    ids=["brackets", "indentation"],
)
def test_deeply_nested_yaml_is_one_clear_message(tmp_path: Path, text: str) -> None:
    result = _import(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert "p.yaml, ligne " in result.stderr
    assert "YAML imbriqué sur plus de 20 niveaux" in result.stderr
    assert "RecursionError" not in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    _nothing_imported()
