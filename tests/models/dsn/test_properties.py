"""Property tests: writer → parser round-trips, and no corruption ever crashes the checker."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursier.models.dsn import samples, writer
from coursier.models.dsn.blocks import group_blocks
from coursier.models.dsn.checks import check_lines
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.checks.checker import check_grouped, check_items
from coursier.models.dsn.lines import tokenize
from coursier.models.dsn.parser import parse
from coursier.models.dsn.records import Employee, PayLine
from tests.models.dsn.builders import monthly

LATIN1_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.isprintable())


@given(
    seed=st.integers(0, 10**6),
    employees=st.integers(0, 4),
    month=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 1)),
)
def test_samples_round_trip_and_pass_the_check(seed, employees, month):
    employer = samples.Employer.from_seed(seed + 10**6)
    lines = list(writer.write(samples.monthly_dsn(employer, month, employees, seed=seed)))
    assert list(writer.write(parse(lines))) == lines
    assert check_lines(lines).blocking == 0


@given(family=LATIN1_TEXT, first=LATIN1_TEXT, payroll=LATIN1_TEXT)
def test_any_latin1_text_round_trips(family, first, payroll):
    record = Employee(family_name=family, first_names=first, payroll_number=payroll)
    [parsed, _totals] = list(parse(writer.write([record])))
    assert parsed == record


@given(rate=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False))
def test_decimals_round_trip(rate):
    [parsed, _totals] = list(parse(writer.write([PayLine(rate=rate)])))
    assert parsed.rate == rate


BASE = monthly(2)


@st.composite
def corrupted(draw):
    lines = list(BASE)
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["drop", "dup", "junk", "cut", "swap", "value"]))
        index = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines.append(draw(st.text(max_size=30)))
        elif action == "drop":
            del lines[index]
        elif action == "dup":
            lines.insert(index, lines[index])
        elif action == "junk":
            lines.insert(index, draw(st.text(max_size=300)))
        elif action == "cut":
            lines = lines[:index]
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        else:
            field_id = lines[index].split(",")[0]
            value = draw(st.text(alphabet=string.printable + "éÃ©\x00\x85", max_size=40))
            lines[index] = f"{field_id},'{value}'"
    return lines


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(lines=corrupted())
def test_corruption_never_crashes_the_checker(lines):
    report = check_lines(lines)
    assert all(isinstance(a, Anomaly) and a.code and a.message for a in report.anomalies)
    assert all(a.line is None or 1 <= a.line <= max(len(lines), 1) for a in report.anomalies)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(lines=corrupted())
def test_checking_blocks_grouped_by_the_caller_is_checking_the_tokens(lines):
    """The sandbox groups a deposit once for its returns and its self-check: the report must
    be the one the checker gives when it groups the tokens itself."""
    items = list(tokenize(lines))
    grouped = check_grouped(items, list(group_blocks(items)))
    assert grouped.as_dict() == check_items(iter(items)).as_dict()


@settings(max_examples=200)
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash_the_checker(data):
    import io

    from coursier.models.dsn.checks import check_stream
    from coursier.models.dsn.errors import UnreadableFile

    try:
        report = check_stream(io.BytesIO(data))
    except UnreadableFile as exc:  # a NUL byte, a lone CR: no text lines at all
        unreadable = exc
    else:
        assert report.blocking >= 1  # random bytes never make a valid DSN
        return
    # The line named is the first one that is no DSN text, and it is one of the file's.
    lines = data.split(b"\n")
    named = unreadable.line
    assert named is not None
    assert 1 <= named <= len(lines)
    assert no_dsn_text(lines[named - 1], named)
    assert not any(no_dsn_text(line, n) for n, line in enumerate(lines[: named - 1], start=1))


def no_dsn_text(line: bytes, number: int) -> bool:
    """What the strict reader refuses in one line, LF dropped (see ``lines.read_lines``)."""
    from coursier.models.dsn.lines import READ_BOUND, UTF16_BOMS_BYTES

    return (
        b"\x00" in line
        or b"\r" in line[:-1]
        or len(line) >= READ_BOUND
        or (number == 1 and line.startswith(UTF16_BOMS_BYTES))
    )
