"""CFONB 120 statements: over-punched signed amounts, decimals from the record, clear errors."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest

from coursier.models import cfonb


def rec(
    code: str,
    amount: str = " " * 14,
    *,
    decimals: str = "2",
    day: str = "011226",
    label: str = "",
    value: str = "      ",
    account: str = "00012345678",
) -> str:
    """A record written position by position, independently of the module's writer."""
    r = (
        code
        + "30004"
        + ("0501" if code in ("04", "05") else "    ")
        + "00123"
        + "EUR"
        + decimals
        + " "
        + account
        + ("05" if code == "04" else "  ")
        + day
        + "  "
        + value
        + f"{label:31}"
        + "  "
        + "0000001"
        + "  "
        + amount
        + f"{'REF-1':16}"
    )
    assert len(r) == 120, len(r)
    return r


def file_of(*records: str) -> bytes:
    return "".join(r + "\r\n" for r in records).encode("latin-1")


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [
        ("0000000012345{", 2, Decimal("1234.50")),
        ("0000000012345A", 2, Decimal("1234.51")),
        ("0000000012345I", 2, Decimal("1234.59")),
        ("0000000012345}", 2, Decimal("-1234.50")),
        ("0000000012345J", 2, Decimal("-1234.51")),
        ("0000000012345R", 2, Decimal("-1234.59")),
        ("0000000012345E", 0, Decimal("123455")),
        ("0000000012345N", 3, Decimal("-123.455")),
        ("0000000000000{", 2, Decimal("0")),
    ],
)
def test_over_punched_amounts_carry_sign_and_the_records_decimals(text, decimals, expected):
    assert cfonb.parse_amount(text, decimals) == expected
    assert cfonb.format_amount(expected, decimals) == text or expected == 0


def test_a_statement_reads_balances_movements_and_complements():
    data = file_of(
        rec("01", "0000000100000{"),
        rec("04", "0000000002500}", label="PRLV EDF", value="031226"),
        rec("05"),
        rec("04", "0000000010000A", label="VIR CLIENT"),
        rec("07", "0000000107500A", day="021226"),
    )
    [st] = cfonb.parse(data)
    assert st.account == "00012345678"
    assert st.bank == "30004"
    assert st.branch == "00123"
    assert st.opening_balance == Decimal("10000.00")
    assert [m.amount for m in st.movements] == [Decimal("-250.00"), Decimal("1000.01")]
    assert st.movements[0].label == "PRLV EDF"
    assert st.movements[0].value_on == date(2026, 12, 3)
    assert st.movements[0].booked_on == date(2026, 12, 1)
    assert len(st.movements[0].complements) == 1
    assert st.movements[1].complements == ()
    assert st.closing_balance == Decimal("10750.01")
    assert st.closing_on == date(2026, 12, 2)
    assert st.check() == []


def test_balances_that_do_not_add_up_are_reported_not_raised():
    data = file_of(
        rec("01", "0000000100000{"), rec("04", "0000000002500}"), rec("07", "0000000100000{")
    )
    [st] = cfonb.parse(data)
    [problem] = st.check()
    assert "00012345678" in problem
    assert "9750.00" in problem
    assert "10000.00" in problem


def test_decimals_come_from_each_record():
    data = file_of(
        rec("01", "0000000000100{", decimals="0"), rec("07", "0000000000100{", decimals="0")
    )
    assert cfonb.parse(data)[0].opening_balance == Decimal("1000")


def test_unbroken_runs_and_lf_endings_are_read_alike():
    records = [
        rec("01", "0000000000000{"),
        rec("04", "0000000000100J"),
        rec("07", "0000000000010}"),
    ]
    crlf = cfonb.parse(file_of(*records))
    assert cfonb.parse("".join(records)) == crlf
    assert cfonb.parse("\n".join(records) + "\n") == crlf
    assert crlf[0].closing_balance == Decimal("-1.00")


def test_several_statements_in_one_file():
    data = file_of(
        rec("01", "0000000000000{"),
        rec("07", "0000000000000{"),
        rec("01", "0000000000000{", account="00099999999"),
        rec("07", "0000000000000{", account="00099999999"),
    )
    assert [s.account for s in cfonb.parse(data)] == ["00012345678", "00099999999"]


def test_a_truncated_record_names_its_line():
    data = file_of(rec("01", "0000000000000{"), rec("04", "0000000000100J")[:97])
    with pytest.raises(cfonb.TruncatedRecord) as err:
        cfonb.parse(data)
    assert err.value.line == 2
    assert "ligne 2" in str(err.value)
    assert "97" in str(err.value)


def test_a_file_cut_before_the_new_balance_is_truncated():
    with pytest.raises(cfonb.TruncatedRecord, match="nouveau solde"):
        cfonb.parse(file_of(rec("01", "0000000000000{"), rec("04", "0000000000100J")))


@pytest.mark.parametrize(
    ("records", "line", "field", "match"),
    [
        ([rec("03", "0000000000000{")], 1, "code", "inconnu"),
        ([rec("01", "000000000000X{")], 1, "montant", "illisible"),
        ([rec("01", "0000000000000Z")], 1, "montant", "illisible"),
        ([rec("01", "0000000000000{", decimals="X")], 1, "décimales", "décimales"),
        ([rec("01", "0000000000000{", day="311326")], 1, "date", "inexistante"),
        ([rec("04", "0000000000000{")], 1, None, "hors d'un relevé"),
        ([rec("01", "0000000000000{"), rec("05")], 2, None, "sans mouvement"),
        ([rec("01", "0000000000000{"), rec("01", "0000000000000{")], 2, None, "avant"),
        (
            [rec("01", "0000000000000{"), rec("07", "0000000000000{", account="00000000001")],
            2,
            "compte",
            "au lieu de",
        ),
    ],
)
def test_malformed_records_name_line_and_field(records, line, field, match):
    with pytest.raises(cfonb.MalformedRecord, match=match) as err:
        cfonb.parse(file_of(*records))
    assert err.value.line == line
    assert err.value.field == field
    assert f"ligne {line}" in str(err.value)


def test_the_writer_is_read_back_exactly():
    st = cfonb.Statement(
        bank="30004",
        branch="00123",
        account="00012345678",
        currency="EUR",
        opening_on=date(2026, 12, 1),
        opening_balance=Decimal("-12.34"),
        closing_on=date(2026, 12, 1),
        closing_balance=Decimal("87.66"),
        movements=[
            cfonb.Movement(
                line=2,
                operation_code="0501",
                booked_on=date(2026, 12, 1),
                value_on=None,
                label="VIR",
                amount=Decimal("100.00"),
                reference="R1",
                complements=("LIB DUPONT",),
            )
        ],
    )
    text = cfonb.write([st])
    assert all(len(r) == 120 for r in text.split("\r\n")[:-1])
    [back] = cfonb.parse(text)
    assert back.opening_balance == st.opening_balance
    assert back.closing_balance == Decimal("87.66")
    assert [(m.amount, m.label, m.reference, m.complements) for m in back.movements] == [
        (Decimal("100.00"), "VIR", "R1", ("LIB DUPONT",))
    ]
    assert back.check() == []


@pytest.mark.parametrize("junk", [b"", b"\x00" * 240, b"01" + b"9" * 500, "é".encode() * 130])
def test_junk_raises_only_the_parsers_errors(junk):
    with contextlib.suppress(cfonb.ParseError):
        cfonb.parse(junk)
