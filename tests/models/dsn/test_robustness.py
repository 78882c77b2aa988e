"""Robustness sweep over lots and the strict parser: junk gets their own errors, never a crash,
and cutting a lot (``split_lot``) always agrees with checking it (``check_document``)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursier.models.dsn import lots
from coursier.models.dsn.checks import LotReport, check_document
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.errors import ParseError, UnreadableFile
from coursier.models.dsn.parser import parse
from tests.models.dsn.builders import encoded, lot, monthly

LOT = lot()
MONTHLY = monthly(1)
ENVELOPE_LINES = [line for line in LOT if lots.is_envelope_line(line)]


#: What a DSN file can hold at all: ISO-8859-1 (the files are encoded so before they are read).
LATIN1_TEXT = st.characters(max_codepoint=0xFF)


@st.composite
def corrupted(draw, base: list[str]):
    lines = list(base)
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["drop", "dup", "junk", "cut", "swap", "envelope"]))
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines.append(draw(st.text(alphabet=LATIN1_TEXT, max_size=30)))
        elif action == "drop":
            del lines[index]
        elif action == "dup":
            lines.insert(index, lines[index])
        elif action == "junk":
            lines.insert(index, draw(st.text(alphabet=LATIN1_TEXT, max_size=80)))
        elif action == "cut":
            lines = lines[:index]
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        else:  # an envelope line where it does not belong
            lines.insert(index, draw(st.sampled_from(ENVELOPE_LINES)))
    return lines


def latin1(lines: list[str]) -> bytes:
    return encoded([line.replace("\n", " ").replace("\r", " ") for line in lines])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(lines=corrupted(LOT))
def test_a_corrupted_lot_never_crashes_and_splits_as_it_is_checked(lines):
    data = latin1(lines)
    try:
        report = check_document(io.BytesIO(data))
    except UnreadableFile:
        return  # junk with a NUL byte
    anomalies = report.anomalies + [
        a for d in getattr(report, "declarations", ()) for a in d.report.anomalies
    ]
    assert all(isinstance(a, Anomaly) and a.code and a.message for a in anomalies)
    assert all(a.line is None or 1 <= a.line <= max(len(lines), 1) for a in anomalies)
    found = lots.split_lot(data)
    if isinstance(report, LotReport):
        assert [(d.lot, d.first_line) for d in found] == [
            (d.place, d.first_line) for d in report.declarations
        ]
        end = 0
        for item in found:  # slices of the lot, in order, never overlapping
            end = data.index(item.data, end) + len(item.data)
    else:
        assert found == [lots.LotDeclaration(None, 1, data)]


@settings(max_examples=200)
@given(data=st.binary(max_size=3000))
def test_split_lot_takes_any_bytes(data):
    found = lots.split_lot(b"S05.G51.00.001,'V01R02'\n" + data)
    assert all(d.data and d.data.startswith(b"S10.") and d.first_line > 1 for d in found)
    assert [d.lot.position for d in found] == list(range(1, len(found) + 1))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.one_of(corrupted(MONTHLY), corrupted(LOT)))
def test_the_strict_parser_raises_only_its_own_errors(lines):
    try:
        records = list(parse(lines))
    except ParseError as exc:
        error = exc
    else:
        assert all(record.line >= 1 for record in records)
        return
    assert error.line is None or 1 <= error.line <= len(lines)
    assert str(error)
