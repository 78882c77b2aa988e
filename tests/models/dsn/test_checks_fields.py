"""Every anomaly tied to a line names the rubrique on that line (issue 7: no ``field: null``)."""

from __future__ import annotations

from coursier.models.dsn.checks import check_lines
from tests.models.dsn.builders import drop, line_of, monthly, moved_before_totals, only, recount


def test_a_misplaced_block_is_named_by_its_first_field():
    lines = moved_before_totals(monthly(1), "S21.G00.40")
    [anomaly] = only(check_lines(lines), "CST-004")
    assert anomaly.field == "S21.G00.40.001"


def test_a_block_out_of_its_parent_is_named_by_its_first_field():
    lines = monthly(1)
    establishment = [line for line in lines if line.startswith("S21.G00.11")]
    lines = drop(lines, "S21.G00.11")
    end = line_of(lines, "S90")
    lines = [*lines[: end - 1], *establishment, *lines[end - 1 :]]
    assert only(check_lines(lines), "CST-003")[0].field == "S21.G00.30.001"


def test_an_unreadable_line_is_named_by_the_field_it_starts_with():
    lines = monthly(1)
    lines.insert(line_of(lines, "S21.G00.40.007"), "S21.G00.40.007,'01")
    [anomaly] = only(check_lines(recount(lines)), "CST-001")
    assert anomaly.field == "S21.G00.40.007"
    assert anomaly.line == line_of(lines, "S21.G00.40.007") + 1


def test_an_unreadable_line_without_a_field_id_names_none():
    lines = monthly(1)
    lines.insert(5, "pas une ligne DSN")
    assert only(check_lines(recount(lines)), "CST-001")[0].field is None


def test_a_missing_total_is_named_s90_g00_90_001():
    lines = drop(monthly(1), "S90")
    [anomaly] = only(check_lines(lines), "CST-008")
    assert (anomaly.field, anomaly.line) == ("S90.G00.90.001", len(lines))


def test_a_file_not_starting_with_s10_names_its_first_field():
    lines = recount(drop(monthly(1), "S10.G00.00"))
    assert only(check_lines(lines), "CST-006")[0].field == "S10.G00.01.001"


def test_lines_after_the_totals_name_their_field():
    lines = [*monthly(1), "S21.G00.30.002,'MARTIN'"]
    assert only(check_lines(lines), "CST-007")[0].field == "S21.G00.30.002"
