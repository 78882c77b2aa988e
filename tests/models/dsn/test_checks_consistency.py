"""Identifier, totals, mandatory and consistency checks (CCH)."""

from __future__ import annotations

import pytest

from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.checks.anomalies import Severity
from tests.models.dsn.builders import (
    EMPLOYER,
    codes,
    drop,
    end_of_contract,
    line_of,
    monthly,
    only,
    recount,
    set_value,
    sick_leave,
)


def test_bad_siren_key():
    bad = EMPLOYER.siren[:-1] + str((int(EMPLOYER.siren[-1]) + 1) % 10)
    report = check_lines(set_value(monthly(1), "S21.G00.06.001", bad))
    [anomaly] = only(report, "CCH-001")
    assert anomaly.field == "S21.G00.06.001"
    assert bad in anomaly.message
    assert "CCH-002" not in codes(report)  # the establishment is not blamed twice
    assert report.siret is None


def test_bad_siret_key_of_the_establishment():
    nic = EMPLOYER.nic[:-1] + str((int(EMPLOYER.nic[-1]) + 1) % 10)
    [anomaly] = only(check_lines(set_value(monthly(1), "S21.G00.11.001", nic)), "CCH-002")
    assert anomaly.field == "S21.G00.11.001"
    assert EMPLOYER.siren + nic in anomaly.message


def test_la_poste_siret_exception_is_accepted():
    lines = monthly(1)
    for field_id, value in (
        ("S10.G00.01.001", "356000000"),
        ("S10.G00.01.002", "00048"),
        ("S21.G00.06.001", "356000000"),
        ("S21.G00.11.001", "00048"),
    ):
        lines = set_value(lines, field_id, value)
    report = check_lines(lines)
    assert codes(report) == []
    assert report.siret == "35600000000048"


@pytest.mark.parametrize(
    ("nir", "reason"),
    [
        ("185057512345", "12 caractères"),
        ("18505751234A6", "chiffres"),
        ("5850575123456", "sexe"),
        ("1851375123456", "mois"),
        ("1850500123456", "département"),
    ],
)
def test_implausible_nir(nir, reason):
    [anomaly] = only(check_lines(set_value(monthly(1), "S21.G00.30.001", nir)), "CCH-003")
    assert reason in anomaly.message
    assert anomaly.is_blocking


def test_corsican_nir_is_accepted():
    lines = set_value(monthly(1), "S21.G00.30.001", "185052A123456")
    lines = set_value(lines, "S21.G00.30.006", "15051985")
    assert codes(check_lines(lines)) == []


def test_nir_against_birth_date():
    lines = set_value(monthly(1), "S21.G00.30.001", "1850575123456")
    lines = set_value(lines, "S21.G00.30.006", "15061986")
    [anomaly] = only(check_lines(lines), "CCH-004")
    assert anomaly.severity is Severity.NON_BLOCKING
    assert "année 85" in anomaly.message
    lines = set_value(lines, "S21.G00.30.006", "15061985")
    assert "mois 05 contre 06" in only(check_lines(lines), "CCH-004")[0].message


def test_nir_with_unknown_birth_month_matches_any_month():
    lines = set_value(monthly(1), "S21.G00.30.001", "1852075123456")
    lines = set_value(lines, "S21.G00.30.006", "15061985")
    assert codes(check_lines(lines)) == []


def test_wrong_line_count():
    lines = set_value(monthly(1), "S90.G00.90.001", "12")
    [anomaly] = only(check_lines(lines), "CCH-010")
    assert anomaly.line == len(lines) - 1
    assert f"compte {len(lines)} lignes" in anomaly.message


def test_wrong_declaration_count():
    [anomaly] = only(check_lines(set_value(monthly(1), "S90.G00.90.002", "2")), "CCH-011")
    assert anomaly.field == "S90.G00.90.002"


@pytest.mark.parametrize(
    "field_id",
    [
        "S10.G00.00.001",
        "S10.G00.00.002",
        "S10.G00.00.003",
        "S10.G00.00.005",
        "S10.G00.00.007",
        "S10.G00.00.008",
        "S10.G00.01.001",
        "S10.G00.01.002",
        "S10.G00.01.003",
        "S20.G00.05.001",
        "S20.G00.05.002",
        "S20.G00.05.005",
        "S21.G00.06.001",
        "S21.G00.11.001",
        "S21.G00.30.002",
        "S21.G00.30.004",
        "S21.G00.40.001",
        "S21.G00.40.007",
        "S21.G00.40.009",
    ],
)
def test_mandatory_fields(field_id):
    lines = monthly(1)
    block_start = line_of(lines, field_id[:10])
    report = check_lines(recount(drop(lines, field_id)))
    missing = [a for a in only(report, "CCH-020") if a.field == field_id]
    assert missing, codes(report)
    assert missing[0].line == block_start


def test_employee_needs_a_nir_or_an_ntt():
    lines = drop(monthly(1), "S21.G00.30.001")
    [anomaly] = only(check_lines(recount(lines)), "CCH-022")
    assert anomaly.line == line_of(lines, "S21.G00.30")
    at = line_of(lines, "S21.G00.30.019")
    with_ntt = recount([*lines[:at], "S21.G00.30.020,'NTT1234567'", *lines[at:]])
    assert codes(check_lines(with_ntt)) == []


def test_mandatory_blocks():
    report = check_lines(recount(drop(monthly(1), "S21.G00.11")))
    assert any(a.code == "CCH-021" and "S21.G00.11" in a.message for a in report.anomalies)


@pytest.mark.parametrize(
    ("lines", "dropped", "field_id"),
    [
        (sick_leave(), "S21.G00.60.002", "S21.G00.60.002"),
        (sick_leave(), "S21.G00.60.001", "S21.G00.60.001"),
        (end_of_contract(), "S21.G00.62.001", "S21.G00.62.001"),
        (end_of_contract(), "S21.G00.62.002", "S21.G00.62.002"),
    ],
)
def test_signals_need_their_event_fields(lines, dropped, field_id):
    report = check_lines(recount(drop(lines, dropped)))
    assert [a.field for a in only(report, "CCH-020")] == [field_id]


@pytest.mark.parametrize(
    ("lines", "block"), [(sick_leave(), "S21.G00.60"), (end_of_contract(), "S21.G00.62")]
)
def test_signals_need_their_event_block(lines, block):
    [anomaly] = only(check_lines(recount(drop(lines, block))), "CCH-023")
    assert block in anomaly.message


def test_declared_month_is_a_first_day():
    [anomaly] = only(check_lines(set_value(monthly(1), "S20.G00.05.005", "15102026")), "CCH-030")
    assert anomaly.field == "S20.G00.05.005"


def test_sick_leave_after_the_declared_month_is_blocking():
    lines = set_value(sick_leave(), "S21.G00.60.002", "03112026")
    [anomaly] = only(check_lines(lines), "CCH-031")
    assert anomaly.is_blocking
    assert "10/2026" in anomaly.message


def test_end_of_contract_before_the_declared_month_is_a_notice():
    lines = set_value(end_of_contract(), "S21.G00.62.001", "30092026")
    [anomaly] = only(check_lines(lines), "CCH-032")
    assert anomaly.severity is Severity.NON_BLOCKING
    assert anomaly.line == line_of(lines, "S21.G00.62.001")


def test_test_file_is_a_notice():
    report = check_lines(set_value(monthly(1), "S10.G00.00.005", "01"))
    assert codes(report) == ["CCH-040"]
    assert report.can_be_deposited
