"""Dates against the declared month and against each other (``checks.dates``)."""

from __future__ import annotations

import pytest

from coursier.models.dsn.checks import check_lines
from tests.models.dsn.builders import (
    codes,
    end_of_contract,
    line_of,
    monthly,
    only,
    set_value,
    sick_leave,
)


def test_a_pay_period_after_the_declared_month_is_blocking():
    lines = set_value(monthly(1), "S21.G00.51.001", "01012026")
    lines = set_value(lines, "S21.G00.51.002", "31012026")
    lines = set_value(lines, "S20.G00.05.005", "01102025")
    lines = set_value(lines, "S21.G00.50.001", "31102025")
    lines = set_value(
        set_value(lines, "S21.G00.51.001", "01102025", 1), "S21.G00.51.002", "31102025", 1
    )
    lines = set_value(set_value(lines, "S21.G00.78.002", "01102025"), "S21.G00.78.003", "31102025")
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-031", "S21.G00.51.001", True)
    assert anomaly.line == line_of(lines, "S21.G00.51.001")
    assert "10/2025" in anomaly.message


@pytest.mark.parametrize("field_id", ["S21.G00.51.002", "S21.G00.78.003"])
def test_a_period_ending_after_the_declared_month_is_blocking(field_id):
    """DSN-Val's CCH-12: a period that starts in the month but ends after it."""
    lines = set_value(monthly(1), field_id, "30112026")
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-031", field_id, True)
    assert anomaly.line == line_of(lines, field_id)
    assert "30112026" in anomaly.message
    assert "10/2026" in anomaly.message


def test_a_pay_period_before_the_month_is_a_back_pay_not_an_anomaly():
    lines = set_value(monthly(1), "S21.G00.51.001", "01092026")
    assert codes(check_lines(set_value(lines, "S21.G00.51.002", "30092026"))) == []
    shifted = set_value(monthly(1), "S21.G00.51.001", "16092026")  # a pay "décalée"
    assert codes(check_lines(set_value(shifted, "S21.G00.51.002", "15102026"))) == []


@pytest.mark.parametrize("start", ["01012026", "01092026"])
def test_a_pay_period_of_more_than_a_month_ending_in_it_is_a_notice(start):
    """01012026 for 01102026 in an October DSN: neither a month's pay nor a back pay, which
    comes with the period it is for; DSN-Val takes it, so the file stays déposable."""
    lines = set_value(monthly(1), "S21.G00.51.001", start)  # its end stays 31102026
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == (
        "CCH-035",
        "S21.G00.51.001",
        False,
    )
    assert anomaly.line == line_of(lines, "S21.G00.51.001")
    assert start in anomaly.message
    assert "31102026" in anomaly.message


def test_a_pay_period_starting_in_the_month_before_its_contract_is_blocking():
    """DSN-Val's CCH-11 on S21.G00.51.001: no earlier than two days before the start of the
    contract it is paid under (S21.G00.51.010), for a period starting in the month."""
    lines = set_value(monthly(1), "S21.G00.40.001", "15102026")  # the pay starts 01/10
    anomaly, other = check_lines(lines).anomalies  # the gross pay's period and the base's
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-036", "S21.G00.51.001", True)
    assert (anomaly.line, other.line) == (
        line_of(lines, "S21.G00.51.001"),
        line_of(lines, "S21.G00.51.001", 1),
    )
    assert "15102026" in anomaly.message
    assert str(line_of(lines, "S21.G00.40.001")) in anomaly.message
    two_days_before = set_value(lines, "S21.G00.40.001", "03102026")
    assert codes(check_lines(two_days_before)) == []


def test_a_pay_period_is_held_against_its_own_contract_only():
    """The second employee's contract starts in the month; the first one's pay is not his."""
    lines = set_value(monthly(2), "S21.G00.40.001", "15102026", occurrence=1)
    found = check_lines(lines).anomalies
    assert [(a.code, a.line) for a in found] == [
        ("CCH-036", line_of(lines, "S21.G00.51.001", 2)),
        ("CCH-036", line_of(lines, "S21.G00.51.001", 3)),
    ]
    unpaid = set_value(lines, "S21.G00.51.013", "0.00", occurrence=2)
    unpaid = set_value(unpaid, "S21.G00.51.013", "0.00", occurrence=3)
    assert codes(check_lines(unpaid)) == []  # the rule holds for a pay, not for none


def test_a_period_ending_before_it_starts_is_blocking():
    lines = set_value(monthly(1), "S21.G00.78.003", "30092026")
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-034", "S21.G00.78.003", True)
    assert "S21.G00.78.002" in anomaly.message


@pytest.mark.parametrize("paid_on", ["31012030", "30092026"])
def test_a_payment_date_outside_the_declared_month_is_blocking(paid_on):
    lines = set_value(monthly(1), "S21.G00.50.001", paid_on)
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-033", "S21.G00.50.001", True)
    assert paid_on in anomaly.message
    assert "10/2026" in anomaly.message


def test_a_file_declared_for_10_2025_holding_2026_data_is_blocked():
    report = check_lines(set_value(monthly(2), "S20.G00.05.005", "01102025"))
    found = {(a.code, a.field) for a in report.anomalies}
    assert ("CCH-033", "S21.G00.50.001") in found
    assert ("CCH-031", "S21.G00.51.001") in found
    assert ("CCH-031", "S21.G00.78.002") in found
    assert all(a.is_blocking for a in report.anomalies)


def test_a_sick_leave_expected_to_end_before_the_last_day_worked_is_blocking():
    lines = set_value(sick_leave(), "S21.G00.60.003", "11102026")  # last day worked 12/10
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-034", "S21.G00.60.003", True)
    assert "12102026" in anomaly.message
    assert codes(check_lines(set_value(sick_leave(), "S21.G00.60.003", "12102026"))) == []


def test_a_contract_starting_after_the_declared_month_is_blocking():
    lines = set_value(monthly(1), "S21.G00.40.001", "01112026")
    [anomaly] = check_lines(lines).anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == ("CCH-031", "S21.G00.40.001", True)


def test_a_contract_expected_to_end_before_it_starts_is_blocking():
    lines = monthly(1)
    lines.insert(line_of(lines, "S21.G00.40.011") - 1, "S21.G00.40.010,'31122009'")
    lines = set_value(lines, "S90.G00.90.001", str(len(lines)))
    [anomaly] = only(check_lines(lines), "CCH-034")
    assert anomaly.field == "S21.G00.40.010"


def test_a_contract_ending_before_it_starts_is_blocking():
    lines = set_value(end_of_contract(), "S21.G00.40.001", "01102026")
    lines = set_value(set_value(lines, "S21.G00.62.001", "02102026"), "S20.G00.05.005", "01102026")
    assert codes(check_lines(lines)) == []
    [anomaly] = check_lines(set_value(lines, "S21.G00.40.001", "05102026")).anomalies
    assert (anomaly.code, anomaly.field) == ("CCH-034", "S21.G00.62.001")
