"""Value checks (CSL): empty, types, lengths, codes, characters, encoding."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.checks.anomalies import Severity
from coursier.models.dsn.checks.values import check_value, clean_tests
from coursier.models.dsn.norm import latest_norm
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


# The fast path: a value its field's clean test accepts is never checked further -------------

LATIN1 = st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=12)
NUMBERISH = st.from_regex(r"-?[0-9 .,]{0,6}", fullmatch=True)
DATEISH = st.from_regex(r"[0-9 ]{6,9}", fullmatch=True)
NORM = latest_norm()
#: One field of each type, length and with or without codes, so that each test is drawn.
SPECS = sorted(
    {(s.type, s.length, bool(s.options)): s for s in NORM.fields.values()}.values(),
    key=lambda spec: spec.field_id,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.sampled_from(SPECS),
    value=st.one_of(LATIN1, NUMBERISH, DATEISH, st.sampled_from(["", " ", "01", "1 ", "é\x85"])),
)
def test_a_value_the_clean_test_accepts_has_no_anomaly(spec, value):
    accepted = bool(clean_tests(NORM)[spec.field_id](value))
    found: list = []
    check_value(spec, value, 1, found)
    if accepted:
        assert found == [], (spec.field_id, value)


def test_the_clean_test_accepts_every_value_of_a_valid_file():
    """Else the fast path would be taken for nothing: each value of a valid monthly DSN."""
    tests = clean_tests(NORM)
    lines = [line for line in monthly(3) if not line.startswith("S10.G00.00.006")]
    refused = [line for line in lines if not tests[line[:14]](line[16:-1])]
    assert refused == []


@pytest.mark.parametrize(
    ("field_id", "value"),
    [
        ("S21.G00.30.004", "Jean "),  # a space at the end
        ("S21.G00.30.004", "J\x85"),  # not printable
        ("S21.G00.40.009", "C" * 21),  # too long
        ("S21.G00.50.006", "12,50"),  # a comma
        ("S21.G00.50.001", "31022026"),  # no such date
        ("S20.G00.05.001", "99"),  # not a code of the field
    ],
)
def test_the_clean_test_refuses_a_value_with_an_anomaly(field_id, value):
    assert not clean_tests(NORM)[field_id](value)
    found: list = []
    check_value(NORM.fields[field_id], value, 1, found)
    assert found
