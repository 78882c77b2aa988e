"""Golden files: each ``case.dsn`` beside the ``case.expected.json`` report it must give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursier.models.dsn.checks import check_stream

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.dsn"))


def test_golden_cases_exist():
    assert len(CASES) >= 2


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_report(case: Path):
    expected = json.loads(case.with_suffix(".expected.json").read_text("utf-8"))
    with case.open("rb") as stream:
        assert check_stream(stream).as_dict() == expected
