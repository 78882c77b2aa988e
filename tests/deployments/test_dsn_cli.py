"""``coursier dsn check``: the command-line contract (output shapes and exit codes)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.models.dsn import samples, writer
from tests.models.dsn.builders import EMPLOYER, monthly, set_value

runner = CliRunner()


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "dsn-10-2026.dsn"
    path.write_bytes(writer.write_bytes(samples.monthly_dsn(EMPLOYER, date(2026, 10, 1), 2)))
    return path


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bloquant.dsn"
    lines = set_value(monthly(1), "S21.G00.40.007", "99")
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))
    return path


def run(*args):
    return runner.invoke(app, ["dsn", "check", *map(str, args)])


def test_valid_file_exits_0_with_a_readable_report(good):
    result = run(good)
    assert result.exit_code == 0, result.output
    assert good.name in result.output
    assert "déposable" in result.output
    assert "DSN mensuelle" in result.output


def test_blocking_anomaly_exits_1_and_is_shown(good, bad):
    result = run(good, bad)
    assert result.exit_code == 1
    assert "CSL-005" in result.output
    assert "non déposable" in result.output


def test_json_output_is_only_a_json_array(good, bad):
    result = run("--json", good, bad)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert [item["file"] for item in payload] == [str(good), str(bad)]
    first, second = payload
    assert first == {
        "file": str(good),
        "norm": "P26V01",
        "nature": "01",
        "type": "01",
        "siret": EMPLOYER.siret,
        "month": "2026-10",
        "employees": 2,
        "blocking": 0,
        "non_blocking": 0,
        "anomalies": [],
    }
    [anomaly] = second["anomalies"]
    assert anomaly["severity"] == "blocking"
    assert anomaly["code"] == "CSL-005"
    assert anomaly["field"] == "S21.G00.40.007"
    assert isinstance(anomaly["line"], int)


def test_whole_file_anomalies_have_null_field_and_line(tmp_path):
    path = tmp_path / "sans-etablissement.dsn"
    lines = [line for line in monthly(1) if not line.startswith("S21.G00.11")]
    lines = set_value(lines, "S90.G00.90.001", str(len(lines)))
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))
    [item] = json.loads(run("--json", path).stdout)
    missing = [a for a in item["anomalies"] if a["code"] == "CCH-021"]
    assert missing
    assert missing[0]["field"] is None
    assert missing[0]["line"] is None


@pytest.mark.parametrize("as_json", [False, True])
def test_unreadable_files_exit_2_without_traceback(tmp_path, good, as_json):
    missing = tmp_path / "absent.dsn"
    args = ["--json"] if as_json else []
    result = run(*args, good, missing, tmp_path)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    if as_json:
        payload = json.loads(result.stdout)
        assert payload[1] == {
            "file": str(missing),
            "error": "fichier introuvable : vérifiez le chemin",
        }
        assert "dossier" in payload[2]["error"]
    else:
        assert "introuvable" in result.output


def test_binary_junk_is_unreadable_not_a_crash(tmp_path):
    """Issue 7: a binary file is unreadable (exit 2, its line named), no more a blocked DSN."""
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run("--json", path)
    assert result.exit_code == 2
    [item] = json.loads(result.stdout)
    assert item == {
        "file": str(path),
        "error": "ligne 3: fichier binaire (octet nul) : ce n'est pas un fichier DSN",
    }
