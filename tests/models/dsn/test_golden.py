"""Golden files: each ``case.dsn`` beside the ``case.expected.json`` report it must give (for a
lot, the list ``coursier dsn check --json`` gives: its envelope, then each DSN)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursier.models.dsn.checks import LotReport, check_document

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.dsn"))


def as_json(case: Path) -> object:
    with case.open("rb") as stream:
        report = check_document(stream)
    return report.as_dicts() if isinstance(report, LotReport) else report.as_dict()


def test_golden_cases_cover_the_natures_and_a_lot():
    assert len(CASES) >= 2
    reports = [as_json(case) for case in CASES]
    natures = {r["nature"] for r in reports if isinstance(r, dict)}
    assert {"01", "04", "07"} <= natures
    lots = [r for r in reports if isinstance(r, list)]
    assert lots
    assert {d["nature"] for d in lots[0][1:]} == {"01", "04", "07"}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_report(case: Path):
    expected = json.loads(case.with_suffix(".expected.json").read_text("utf-8"))
    assert as_json(case) == expected
