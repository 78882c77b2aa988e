"""The streaming parser: typed records in file order, context filled, errors with line and field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coursier.models.dsn import samples
from coursier.models.dsn.errors import InvalidValueError, MalformedLineError, ParseError
from coursier.models.dsn.parser import parse
from coursier.models.dsn.records import (
    Company,
    ContractEnd,
    Declaration,
    Employee,
    Establishment,
    OtherBlock,
    PayLine,
    SickLeave,
    Totals,
)
from tests.models.dsn.builders import (
    EMPLOYER,
    end_of_contract,
    monthly,
    set_value,
    sick_leave,
)


def test_monthly_records_are_typed():
    records = list(parse(monthly(2)))
    declaration = next(r for r in records if isinstance(r, Declaration))
    assert (declaration.nature, declaration.type, declaration.month) == (
        "01",
        "01",
        date(2026, 10, 1),
    )
    establishment = next(r for r in records if isinstance(r, Establishment))
    assert establishment.siret == EMPLOYER.siret
    employees = [r for r in records if isinstance(r, Employee)]
    assert len(employees) == 2
    assert all(len(e.nir) == 13 and e.payroll_number.startswith("M") for e in employees)
    pay = next(r for r in records if isinstance(r, PayLine))
    assert isinstance(pay.rate, Decimal)
    assert pay.rate_type == "01"
    assert len(pay.rate_id) == 18
    assert any(isinstance(r, OtherBlock) and r.block_id == "S21.G00.81" for r in records)
    totals = records[-1]
    assert isinstance(totals, Totals)
    assert totals.line_count == len(monthly(2))


def test_records_carry_their_first_line():
    lines = monthly(1)
    for record in parse(lines):
        assert lines[record.line - 1].startswith(record.block_id)


def test_signal_events():
    leave = next(r for r in parse(sick_leave()) if isinstance(r, SickLeave))
    assert leave.last_day_worked == date(2026, 10, 12)
    assert leave.reason == "01"
    end = next(r for r in parse(end_of_contract()) if isinstance(r, ContractEnd))
    assert end.end_date == date(2026, 10, 30)
    assert end.reason == "031"


def test_value_between_first_and_last_quote():
    lines = set_value(monthly(1), "S21.G00.30.002", "N'DIAYE")
    employee = next(r for r in parse(lines) if isinstance(r, Employee))
    assert employee.family_name == "N'DIAYE"


def test_repeated_blocks_start_again():
    lines = [
        "S21.G00.06.001,'732829320'",
        "S21.G00.30.002,'A'",
        "S21.G00.30.004,'B'",
        "S21.G00.30.002,'C'",  # an employee known by NTT starts at .002
        "S21.G00.30.020,'NTT1'",
    ]
    employees = [r for r in parse(lines) if isinstance(r, Employee)]
    assert [(e.family_name, e.ntt, e.line) for e in employees] == [("A", None, 2), ("C", "NTT1", 4)]
    assert isinstance(next(parse(lines)), Company)


def test_malformed_line_raises_with_its_line():
    with pytest.raises(MalformedLineError) as caught:
        list(parse(["S10.G00.00.001,'x'", "S10.G00.00.002,x"]))
    assert caught.value.line == 2
    assert isinstance(caught.value, ParseError)
    assert isinstance(caught.value, ValueError)
    assert "ligne 2" in str(caught.value)


def test_bad_typed_value_raises_with_line_and_field():
    lines = set_value(monthly(1), "S21.G00.50.006", "12,5")
    with pytest.raises(InvalidValueError) as caught:
        list(parse(lines))
    assert caught.value.field == "S21.G00.50.006"
    assert lines[caught.value.line - 1].startswith("S21.G00.50.006")


def test_parser_is_lazy():
    def lines():
        yield from monthly(1)[:12]
        raise AssertionError("read past what was asked")

    first = next(parse(lines()))
    assert first.block_id == "S10.G00.00"


def test_sample_employers_have_valid_keys():
    from stdnum.fr import siret

    assert siret.is_valid(samples.Employer.from_seed(123).siret)


def test_event_period_of_signals():
    from coursier.models.dsn.facts import event_period

    assert event_period(parse(sick_leave())) == (date(2026, 10, 12), date(2026, 10, 26))
    assert event_period(parse(end_of_contract())) == (None, date(2026, 10, 30))
    assert event_period(parse(monthly(1))) == (None, None)
