"""``coursier dsn check`` on lots, and on files whose name or content would fool a terminal."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from coursier.deployments.cli import app
from tests.models.dsn.builders import LOT_NUMBER, encoded, line_of, lot, monthly, set_value

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["dsn", "check", *map(str, args)])


def test_a_lot_yields_its_envelope_then_one_object_per_declaration(tmp_path):
    path = tmp_path / "lot.dsn"
    lines = set_value(lot(), "S21.G00.40.007", "99", occurrence=1)
    path.write_bytes(encoded(lines, "\r\n"))
    result = run("--json", path)
    assert result.exit_code == 1
    envelope, *declarations = json.loads(result.stdout)
    assert envelope == {
        "file": str(path),
        "lot": {"number": LOT_NUMBER, "group": None, "position": 0},
        "norm": "V01R02",
        "groups": 2,
        "declarations": 3,
        "blocking": 0,
        "non_blocking": 0,
        "anomalies": [],
    }
    assert [d["lot"] for d in declarations] == [
        {"number": LOT_NUMBER, "group": "G1", "position": 1},
        {"number": LOT_NUMBER, "group": "G1", "position": 2},
        {"number": LOT_NUMBER, "group": "G2", "position": 3},
    ]
    assert [d["nature"] for d in declarations] == ["01", "04", "07"]
    assert [d["first_line"] for d in declarations] == [
        i for i, line in enumerate(lines, 1) if line.startswith("S10.G00.00.001")
    ]
    assert [d["blocking"] for d in declarations] == [0, 1, 0]
    [anomaly] = declarations[1]["anomalies"]
    assert anomaly["line"] == line_of(lines, "S21.G00.40.007", 1)


def test_an_envelope_anomaly_blocks_the_lot_and_is_shown(tmp_path):
    path = tmp_path / "lot.dsn"
    path.write_bytes(encoded(set_value(lot(), "S96.G51.00.002", "5")))
    result = run(path)
    assert result.exit_code == 1
    assert "lot 0000000042" in result.output
    assert "CCH-012" in result.output
    assert "DSN 3 du lot, groupe G2" in result.output
    [envelope] = [o for o in json.loads(run("--json", path).stdout) if o["lot"]["position"] == 0]
    assert [a["code"] for a in envelope["anomalies"]] == ["CCH-012"]


def test_a_good_lot_exits_0(tmp_path):
    path = tmp_path / "lot.dsn"
    path.write_bytes(encoded(lot()))
    result = run(path)
    assert result.exit_code == 0, result.output
    assert result.output.count("✔ déposable") == 4  # the lot and its three DSN


def test_markup_in_a_file_name_and_a_line_is_printed_as_text(tmp_path):
    (tmp_path / "paie[").mkdir()
    path = tmp_path / "paie[" / "x].dsn"  # its full name holds [/x]
    lines = monthly(1)
    lines.insert(line_of(lines, "S21.G00.40.007"), "S21.G00.40.007,'[/x] [red]")
    path.write_bytes(encoded(lines))
    result = run(path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "paie[/x].dsn" in result.output
    assert "[/x] [red]" in result.output


def test_control_characters_never_reach_the_terminal(tmp_path):
    path = tmp_path / "esc\x1b[2J.dsn"
    path.write_bytes(encoded(set_value(monthly(1), "S21.G00.40.007", "01\x1b[2J")))
    result = run(path)
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "01\\x1b[2J" in result.output  # in the message naming the value
    assert "esc\\x1b[2J.dsn" in result.output


def test_an_unreadable_file_exits_2_with_its_reason_on_standard_error(tmp_path):
    path = tmp_path / "crlf-perdu.dsn"
    path.write_bytes(encoded(monthly(1), "\r"))
    result = run(path)
    assert result.exit_code == 2
    assert "ligne 1: fins de ligne CR seules" in result.stderr
    assert "déposable" not in result.output
