"""``coursier demo``: the files it writes are what it says, and the report reads as promised."""

from __future__ import annotations

from rich.console import Console

from coursier.deployments.demo import run_demo
from coursier.deployments.dsn_cli import check_file


def test_demo_blocks_exactly_the_faulty_file(tmp_path):
    console = Console(record=True, width=200)
    assert run_demo(tmp_path, console) == 1
    files = sorted((tmp_path / "demo" / "depot").glob("*.dsn"))
    assert len(files) == 5
    verdicts = {path.name: check_file(path).report for path in files}
    assert {name for name, report in verdicts.items() if report.blocking} == {
        "garage-dsn-2026-10.dsn"
    }
    assert sorted(a.code for a in verdicts["garage-dsn-2026-10.dsn"].anomalies) == [
        "CCH-003",
        "CCH-020",
    ]
    assert verdicts["cabinet-dsn-2026-10.dsn"].non_blocking == 1
    assert {r.nature for r in verdicts.values()} == {"01", "04", "07"}
    text = console.export_text()
    assert "1 fichier(s) à corriger" in text
    assert "Traceback" not in text
    assert all(b"\r\n" in path.read_bytes() for path in files)
