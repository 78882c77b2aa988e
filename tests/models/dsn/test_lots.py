"""Lots: cutting one into its declarations, and the self-check of its envelope and of each DSN."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from coursier.models.dsn import lots, writer
from coursier.models.dsn.checks import LotReport, check_document
from coursier.models.dsn.parser import parse
from coursier.models.dsn.records import GroupEnd, GroupHeader, LotEnd, LotHeader, Totals
from tests.models.dsn.builders import (
    LOT_NUMBER,
    encoded,
    line_of,
    lot,
    monthly,
    set_value,
)


def check(lines: list[str]) -> LotReport:
    report = check_document(io.BytesIO(encoded(lines)))
    assert isinstance(report, LotReport)
    return report


def envelope_codes(report: LotReport) -> list[str]:
    return [a.code for a in report.anomalies]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_lot_splits_into_byte_identical_declarations(newline):
    lines = lot()
    data = encoded(lines, newline)
    found = lots.split_lot(data)
    assert [d.lot for d in found] == [
        lots.LotPlace(LOT_NUMBER, "G1", 1),
        lots.LotPlace(LOT_NUMBER, "G1", 2),
        lots.LotPlace(LOT_NUMBER, "G2", 3),
    ]
    starts = [i for i, line in enumerate(lines, 1) if line.startswith("S10.G00.00.001")]
    assert [d.first_line for d in found] == starts
    for item in found:
        assert item.data in data
        assert data.index(item.data) == len(newline.join(lines[: item.first_line - 1])) + (
            len(newline) if item.first_line > 1 else 0
        )
        assert item.data.startswith(b"S10.G00.00.001,")
        assert item.data.rstrip(b"\r\n").split(newline.encode())[-1].startswith(b"S90.G00.90.002")
    ends = [i for i, line in enumerate(lines, 1) if line.startswith("S90.G00.90.002")]
    assert [d.first_line + d.data.count(b"\n") - 1 for d in found] == ends


def test_a_single_dsn_is_its_own_only_declaration():
    data = encoded(monthly(1))
    assert lots.split_lot(data) == [lots.LotDeclaration(None, 1, data)]


def test_lines_outside_any_declaration_belong_to_none():
    lines = lot()
    lines.insert(line_of(lines, "S06.G51.00.001"), "S21.G00.30.002,'ÉGARÉE'")
    found = lots.split_lot(encoded(lines))
    assert len(found) == 3
    assert all(b"\xc9GAR\xc9E" not in d.data for d in found)
    report = check(lines)
    [stray] = report.anomalies
    assert (stray.code, stray.field, stray.line) == (
        "CST-024",
        "S21.G00.30.002",
        line_of(lines, "S21.G00.30.002,'ÉGARÉE'"),
    )


def test_the_writer_writes_a_lot_that_parses_and_counts_itself():
    records = list(parse(lot()))
    header, group, *_ = records
    assert header == LotHeader(
        norm_version="V01R02",
        number=LOT_NUMBER,
        lot_type="01",
        created_on=header.created_on,
        created_at="083000",
        group_count=2,
    )
    assert group == GroupHeader(code="G1")
    ends = [r for r in records if isinstance(r, GroupEnd)]
    assert [e.declaration_count for e in ends] == [2, 1]
    assert records[-1] == LotEnd(number=LOT_NUMBER, group_count=2)
    assert sum(isinstance(r, Totals) for r in records) == 3


def test_a_good_lot_has_no_anomaly_and_each_dsn_its_own_report():
    lines = lot()
    report = check(lines)
    assert report.anomalies == []
    assert (report.number, report.norm, report.groups) == (LOT_NUMBER, "V01R02", 2)
    assert [(d.report.nature, d.report.blocking) for d in report.declarations] == [
        ("01", 0),
        ("04", 0),
        ("07", 0),
    ]
    assert [d.first_line for d in report.declarations] == [
        i for i, line in enumerate(lines, 1) if line.startswith("S10.G00.00.001")
    ]


def test_each_declaration_is_checked_with_its_own_norm_and_lot_line_numbers():
    lines = set_value(lot(), "S10.G00.00.006", "P25V01", occurrence=1)
    lines = set_value(lines, "S21.G00.40.007", "99", occurrence=2)
    report = check(lines)
    assert [d.report.norm for d in report.declarations] == ["P26V01", "P25V01", "P26V01"]
    [anomaly] = report.declarations[2].report.anomalies
    assert anomaly.code == "CSL-005"
    assert anomaly.line == line_of(lines, "S21.G00.40.007", 2)
    assert report.blocking == 1


def test_a_wrong_total_inside_a_dsn_of_a_lot_is_that_dsn_s():
    lines = set_value(lot(), "S90.G00.90.001", "7", occurrence=1)
    report = check(lines)
    assert [a.code for d in report.declarations for a in d.report.anomalies] == ["CCH-010"]
    assert report.declarations[1].report.anomalies[0].line == line_of(lines, "S90.G00.90.001", 1)


@pytest.mark.parametrize(
    ("field_id", "value", "occurrence", "code"),
    [
        ("S96.G51.00.002", "3", 0, "CCH-012"),
        ("S05.G51.00.006", "1", 0, "CCH-013"),
        ("S95.G51.00.002", "5", 0, "CCH-013"),
        ("S95.G51.00.001", "0000000043", 0, "CCH-014"),
        ("S05.G51.00.001", "V01R01", 0, "CST-020"),
        ("S05.G51.00.004", "31022026", 0, "CSL-004"),
    ],
)
def test_envelope_counts_and_values(field_id, value, occurrence, code):
    lines = set_value(lot(), field_id, value, occurrence)
    report = check(lines)
    [anomaly] = report.anomalies
    assert (anomaly.code, anomaly.field, anomaly.is_blocking) == (code, field_id, True)
    assert anomaly.line == line_of(lines, field_id, occurrence)
    assert all(d.report.anomalies == [] for d in report.declarations)


def test_a_group_left_open_and_a_dsn_outside_any_group():
    lines = lot()
    first_end = line_of(lines, "S96.G51.00.001")
    del lines[first_end - 1 : first_end + 1]  # the first group is never closed
    codes = envelope_codes(check(lines))
    assert codes == ["CST-022"]
    lines = lot()
    del lines[line_of(lines, "S06.G51.00.001", 1) - 1]  # the second group has no header
    report = check(lines)
    # one group fewer than both counts say, a DSN and a group end outside any group
    assert envelope_codes(report) == ["CCH-013", "CST-023", "CST-025", "CCH-013"]
    assert report.declarations[2].place.group is None


def test_a_lot_without_header_cut_short_or_followed_by_lines():
    lines = lot()
    without_header = [line for line in lines if not line.startswith("S05.")]
    assert "CST-021" in envelope_codes(check(without_header))
    truncated = check(lines[:-2])
    assert envelope_codes(truncated) == ["CST-027"]
    assert truncated.anomalies[0].field == "S95.G51.00.001"
    after = check([*lines, *monthly(1)])
    assert envelope_codes(after) == ["CST-026", "CST-023"]  # both on the DSN's first line


def test_an_empty_lot():
    assert envelope_codes(check(lot([]))) == ["CST-028"]


def test_a_lot_without_a_newline_at_the_end_splits_and_checks_the_same():
    data = encoded(lot()).rstrip(b"\n")
    assert len(lots.split_lot(data)) == 3
    assert check_document(io.BytesIO(data)).blocking == 0


def test_an_empty_lot_is_its_envelope_alone():
    data = writer.write_lot_bytes([], LOT_NUMBER, datetime(2026, 11, 5, 8, 30), "\r\n")
    assert data.count(b"\r\n") == 8  # S05: six fields, S95: two
    assert lots.split_lot(data) == []
