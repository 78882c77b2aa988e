"""Value checks (CSL): empty, types, lengths, codes, characters, encoding."""

from __future__ import annotations

import pytest

from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.checks.anomalies import Severity
from tests.models.dsn.builders import codes, monthly, only, set_value


def _anomalies(field_id: str, value: str, code: str):
    return only(check_lines(set_value(monthly(1), field_id, value)), code)


def test_empty_value():
    [anomaly] = _anomalies("S21.G00.30.004", "", "CSL-001")
    assert anomaly.field == "S21.G00.30.004"
    assert "Prénoms" in anomaly.message


def test_alphanumeric_too_long():
    [anomaly] = _anomalies("S21.G00.40.009", "C" * 21, "CSL-002")
    assert "21 caractères pour 20" in anomaly.message


@pytest.mark.parametrize("value", ["12,50", "1.2.3", "abc", "12."])
def test_numbers_use_a_point(value):
    [anomaly] = _anomalies("S21.G00.50.006", value, "CSL-003")
    assert anomaly.field == "S21.G00.50.006"
    assert ("virgule" in anomaly.message) == ("," in value)


def test_number_length_counts_digits_not_sign_or_point():
    assert codes(check_lines(set_value(monthly(1), "S21.G00.50.002", "-1234567890.5"))) == []
    [anomaly] = _anomalies("S21.G00.50.002", "1234567890123", "CSL-002")
    assert "13 caractères pour 12" in anomaly.message


@pytest.mark.parametrize("value", ["31022026", "2026-10-01", "0110202", "00102026"])
def test_dates_must_exist(value):
    [anomaly] = _anomalies("S21.G00.40.001", value, "CSL-004")
    assert value in anomaly.message


def test_code_outside_the_norm_list():
    [anomaly] = _anomalies("S21.G00.40.007", "99", "CSL-005")
    assert "01" in anomaly.message  # the allowed codes are listed


def test_unknown_nature_is_reported_and_the_file_still_checked():
    report = check_lines(set_value(monthly(1), "S20.G00.05.001", "42"))
    assert codes(report) == ["CSL-005"]
    assert report.nature == "42"


def test_control_character_is_forbidden():
    [anomaly] = _anomalies("S21.G00.30.002", "DU\tPONT", "CSL-006")
    assert "U+0009" in anomaly.message


def test_surrounding_spaces_are_a_notice():
    [anomaly] = _anomalies("S21.G00.30.002", "DUPONT ", "CSL-007")
    assert anomaly.severity is Severity.NON_BLOCKING


def test_line_longer_than_256_characters():
    found = _anomalies("S21.G00.40.006", "x" * 250, "CSL-008")
    assert found[0].line == found[0].line
    assert "267" in found[0].message


def test_utf8_file_read_as_iso_8859_1_is_reported_once():
    lines = monthly(2)
    as_utf8 = ["".join(chr(b) for b in line.encode("utf-8")) for line in lines]
    report = check_lines(as_utf8)
    [anomaly] = only(report, "CSL-009")
    assert "Ã" in anomaly.message
