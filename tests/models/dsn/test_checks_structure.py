"""Structure checks (CST): syntax, known fields, the block tree, S10 first and S90 last."""

from __future__ import annotations

from coursier.models.dsn.blocks import Block
from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.checks.structure import StructureTracker
from coursier.models.dsn.norm import BlockPlace, load_norm
from tests.models.dsn.builders import (
    codes,
    drop,
    line_of,
    monthly,
    moved_before_totals,
    only,
    recount,
    set_value,
)


def test_malformed_line_is_reported_with_its_number():
    lines = monthly(1)
    lines.insert(9, "S21.G00.30.001;1850575123456")
    report = check_lines(recount(lines))
    [anomaly] = only(report, "CST-001")
    assert anomaly.line == 10
    assert anomaly.is_blocking
    assert "S21.G00.30.001;1850575123456" in anomaly.message


def test_unknown_field_names_the_norm():
    lines = monthly(1)
    lines = [*lines[:8], "S10.G00.01.099,'x'", *lines[8:]]
    [anomaly] = only(check_lines(recount(lines)), "CST-002")
    assert anomaly.field == "S10.G00.01.099"
    assert "P26V01" in anomaly.message


def test_field_known_in_one_norm_only_follows_the_declared_version():
    lines = set_value(monthly(1), "S10.G00.00.006", "P25V01")
    lines.insert(line_of(lines, "S21.G00.40.026"), "S21.G00.40.082,'30'")  # new in P26V01
    report = check_lines(recount(lines))
    assert report.norm == "P25V01"
    assert [a.field for a in only(report, "CST-002")] == ["S21.G00.40.082"]
    assert codes(check_lines(recount(set_value(lines, "S10.G00.00.006", "P26V01")))) == []


def test_employee_before_its_establishment():
    lines = monthly(1)
    establishment = [line for line in lines if line.startswith("S21.G00.11")]
    lines = drop(lines, "S21.G00.11")
    end = line_of(lines, "S90")
    lines = [*lines[: end - 1], *establishment, *lines[end - 1 :]]
    report = check_lines(lines)
    first = only(report, "CST-003")[0]
    assert first.line == line_of(lines, "S21.G00.30.001")
    assert "S21.G00.11" in first.message


def test_blocks_out_of_order():
    lines = moved_before_totals(monthly(1), "S21.G00.40")
    [anomaly] = only(check_lines(lines), "CST-004")
    assert anomaly.line == line_of(lines, "S21.G00.40.001")
    assert "après le bloc S21.G00.50" in anomaly.message  # the sibling it follows


def test_block_repeated_beyond_its_maximum():
    lines = monthly(1)
    company = [line for line in lines if line.startswith("S21.G00.06")]
    at = line_of(lines, "S21.G00.11") - 1
    lines = recount([*lines[:at], *company, *lines[at:]])
    [anomaly] = only(check_lines(lines), "CST-005")
    assert anomaly.line == at + 1


def test_file_must_start_with_s10():
    lines = recount(drop(monthly(1), "S10.G00.00"))
    report = check_lines(lines)
    assert only(report, "CST-006")[0].line == 1
    assert "CST-011" not in codes(report)  # no double report of the version


def test_lines_after_s90():
    lines = [*monthly(1), "S21.G00.30.002,'DUPONT'"]
    [anomaly] = only(check_lines(lines), "CST-007")
    assert anomaly.line == len(lines)


def test_file_cut_short():
    lines = monthly(2)
    cut = lines[: len(lines) // 2]
    cut[-1] = cut[-1][:9]  # cut in the middle of a line
    report = check_lines(cut)
    assert {"CST-008", "CST-001"} <= set(codes(report))
    assert only(report, "CST-008")[0].line == len(cut)


def test_unknown_norm_version_is_blocking_and_checking_goes_on():
    lines = set_value(monthly(1), "S10.G00.00.006", "P19V01")
    lines = set_value(lines, "S21.G00.30.004", "")
    report = check_lines(lines)
    [anomaly] = only(report, "CST-010")
    assert anomaly.is_blocking
    assert "P19V01" in anomaly.message
    assert report.norm == "P19V01"
    assert "CSL-001" in codes(report)  # still checked, against the latest norm


def test_missing_norm_version():
    [anomaly] = only(check_lines(recount(drop(monthly(1), "S10.G00.00.006"))), "CST-011")
    assert anomaly.field == "S10.G00.00.006"


def test_empty_file():
    assert codes(check_lines([])) == ["CST-013"]


def test_block_not_allowed_for_the_nature():
    norm = load_norm("P26V01")
    without_sick_leave = {k: v for k, v in norm.natures["01"].items() if k != "S21.G00.60"}
    narrowed = type(norm)(
        norm.version,
        norm.fields,
        norm.block_labels,
        norm.envelope,
        {**norm.natures, "01": without_sick_leave},
    )
    tracker = StructureTracker(narrowed)
    tracker.set_nature("01")
    out = []
    tracker.enter(Block("S21.G00.60", 40, {"S21.G00.60.001": "01"}, {"S21.G00.60.001": 40}), out)
    assert [a.code for a in out] == ["CST-012"]
    assert isinstance(norm.tree_for("01")["S21.G00.60"], BlockPlace)
