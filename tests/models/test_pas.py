"""The integration of the official CRM examples, as pure logic: rates, flags, work-list, export."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from coursier.models.pas import add_months, integrate, usable_until
from coursier.models.pas_export import DEFAULT_GRID, DGFIP_RATE, next_pay_month, rate_line
from coursier.models.pas_matching import (
    ForeignDeclaration,
    PublishedReturn,
    declared_month,
    latest_by_nature,
    match_foreign,
)
from coursier.models.returns.crm import (
    parse_crm_financier,
    parse_crm_nominatif,
    parse_crm_taux_sur_taux,
)
from tests.models.returns.files import example

RECEIVED = date(2026, 11, 12)


def official(ntt: bool = False, *, financier: bool = True, taux_sur_taux: bool = False):
    name = "Exemple-94-DGFIP-crm-nominatif" + ("-ntt" if ntt else "") + ".xml"
    return integrate(
        parse_crm_nominatif(example(name)),
        RECEIVED,
        parse_crm_financier(example("Exemple-93-DGFIP-crm-financier.xml")) if financier else None,
        parse_crm_taux_sur_taux(example("exemple_retour_95_CRM_DGFIP_TAUX_SUR_TAUX_OK.xml"))
        if taux_sur_taux
        else None,
    )


@pytest.mark.parametrize(
    ("ntt", "employee"), [(False, "NIR:9999999999999"), (True, "NTT:9999999999999")]
)
def test_the_official_nominatif_gives_one_rate_under_its_identifier(ntt, employee):
    result = official(ntt)
    [rate] = result.rates
    assert (rate.employee, rate.payroll_number, rate.rate) == (
        employee,
        "MAT00009825",
        Decimal("14.00"),
    )
    assert rate.rate_id == "123456789123456789"
    assert (rate.received_on, rate.usable_until) == (RECEIVED, date(2027, 1, 12))
    assert result.nominatif == "anomalies"  # ADR05, non-blocking
    assert result.financier == "KO"  # CBS03, blocking


def test_the_work_list_names_the_employee_the_field_and_how_to_correct():
    work = {w.code: w for w in official().work}
    assert set(work) == {"ADR05", "CBS03"}
    address = work["ADR05"]
    assert (address.nature, address.blocking) == ("94", False)
    assert (address.field, address.value) == ("S21.G00.30.010", "Bordeau")
    assert (address.employee, address.payroll_number) == ("NIR:9999999999999", "MAT00029643")
    assert "adresse" in address.hint
    payment = work["CBS03"]
    assert (payment.nature, payment.blocking, payment.employee) == ("93", True, None)
    assert "S21.G00.20.004" in payment.hint


def test_taux_sur_taux_flags_the_employees_and_reaches_the_work_list():
    result = official(taux_sur_taux=True)
    assert result.flagged == 2
    flagged = [w for w in result.work if w.nature == "95"]
    assert {w.employee for w in flagged} == {"NIR:1260699999999", "NIR:2260675999999"}
    assert {w.field for w in flagged} == {"S21.G00.50.006"}


def test_the_same_anomaly_twice_is_one_work_item():
    result = official()
    assert len({w.fingerprint for w in result.work}) == len(result.work) == 2


def test_no_financier_yet_is_absent_not_ok():
    assert official(financier=False).financier == "absent"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2028, 12, 31), 2, date(2029, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_the_export_applies_the_rate_then_the_future_one_then_the_default_grid():
    [rate] = official().rates
    november = next_pay_month(date(2026, 10, 1))
    assert november == date(2026, 11, 1)
    line = rate_line(rate, date(2026, 12, 1))
    assert (line.rate, line.rate_type, line.rate_id) == (Decimal("14.00"), DGFIP_RATE, rate.rate_id)
    future = rate.__class__(
        **{**rate.__dict__, "future_rate": Decimal("9.50"), "future_effective": date(2027, 1, 1)}
    )
    assert rate_line(future, date(2026, 12, 1)).rate == Decimal("14.00")
    assert "09.50" not in rate_line(future, date(2026, 12, 1)).note
    assert rate_line(future, date(2027, 1, 1)).rate == Decimal("9.50")
    expired = rate_line(rate, usable_until(RECEIVED).replace(day=13))
    assert (expired.rate, expired.rate_type, expired.rate_id) == (None, DEFAULT_GRID, None)
    assert "grille par défaut" in expired.note
    row = expired.csv_row()
    assert (row["nir"], row["S21.G00.50.006"], row["S21.G00.50.007"]) == ("9999999999999", "", "13")


def test_a_return_deposited_elsewhere_is_matched_by_siret_and_month():
    published = datetime(2026, 11, 9, 8, tzinfo=UTC)
    assert declared_month("01102026", published) == date(2026, 10, 1)
    assert declared_month(None, published) == date(2026, 10, 1)  # the month before
    assert declared_month(None, datetime(2027, 1, 3, tzinfo=UTC)) == date(2026, 12, 1)
    assert declared_month("01132026", None) is None
    found = [
        ForeignDeclaration("F1", "11111111100011", date(2026, 10, 1)),
        ForeignDeclaration("F2", "11111111100011", date(2026, 9, 1)),
        ForeignDeclaration("F3", "99999999900099", date(2026, 10, 1)),  # not the dossier's
        ForeignDeclaration("F1", "11111111100011", date(2026, 10, 1)),  # its 93 beside its 94
    ]
    matched = match_foreign(found, ["11111111100011", "11111111100029"], date(2026, 10, 1))
    assert matched == {"11111111100011": ["F1"]}


def test_the_latest_return_of_each_nature_makes_the_crm():
    old = PublishedReturn("F1", "94", b"old", datetime(2026, 11, 5, tzinfo=UTC))
    new = PublishedReturn("F1", "94", b"new", datetime(2026, 11, 8, tzinfo=UTC))
    money = PublishedReturn("F1", "93", b"93", None)
    crm = latest_by_nature([new, money, old])
    assert crm.nominatif is new
    assert crm.financier is money
    assert crm.taux_sur_taux is None
    assert crm.received_on == date(2026, 11, 8)
    assert latest_by_nature([]).received_on is None
