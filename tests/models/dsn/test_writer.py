"""The writer: records to lines, totals computed, ISO-8859-1 bytes with LF or CRLF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coursier.models.dsn import writer
from coursier.models.dsn.parser import parse
from coursier.models.dsn.records import Declaration, Employee, Envoi, PayLine, Totals
from tests.models.dsn.builders import monthly


def test_totals_are_computed_and_given_totals_ignored():
    lines = list(
        writer.write(
            [
                Envoi(software_name="x"),
                Totals(line_count=99, declaration_count=9),
                Declaration(nature="01"),
            ]
        )
    )
    assert lines == [
        "S10.G00.00.001,'x'",
        "S20.G00.05.001,'01'",
        "S90.G00.90.001,'4'",
        "S90.G00.90.002,'1'",
    ]


def test_fields_are_written_in_order_with_extra_merged():
    employee = Employee(nir="1850575123456", first_names="Zoé", extra={"S21.G00.30.003": "X"})
    assert writer.record_lines(employee) == [
        "S21.G00.30.001,'1850575123456'",
        "S21.G00.30.003,'X'",
        "S21.G00.30.004,'Zoé'",
    ]


def test_typed_values_are_encoded_as_the_norm_wants():
    pay = PayLine(paid_on=date(2026, 1, 5), rate=Decimal("7.50"), net_taxable=Decimal("1E+3"))
    assert writer.record_lines(pay) == [
        "S21.G00.50.001,'05012026'",
        "S21.G00.50.002,'1000'",
        "S21.G00.50.006,'7.50'",
    ]


def test_bytes_are_iso_8859_1_with_chosen_newline():
    data = writer.write_bytes([Employee(first_names="Hélène")], newline="\r\n")
    assert data.startswith("S21.G00.30.004,'Hélène'\r\n".encode("iso-8859-1"))
    with pytest.raises(UnicodeEncodeError):
        writer.write_bytes([Employee(first_names="Œdipe")])


def test_parse_then_write_gives_the_same_lines():
    lines = monthly(3)
    assert list(writer.write(parse(lines))) == lines
