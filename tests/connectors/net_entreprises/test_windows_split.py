"""Search windows cut on the Paris wall clock: bounds, exact multiples, DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursier.connectors.net_entreprises.windows import split, wall_clock, width_minutes
from coursier.models.returns.listings import format_window_time
from coursier.models.returns.xml import PARIS


def paths(windows: list[tuple[datetime, datetime]]) -> list[str]:
    return [f"{format_window_time(a)}/{format_window_time(b)}" for a, b in windows]


def test_one_window_when_it_fits() -> None:
    start = datetime(2026, 3, 10, 9, 0)
    assert paths(split(start, start + timedelta(minutes=42), 60)) == [
        "20260310090000/20260310094200"
    ]


def test_exact_multiples_give_full_windows_only() -> None:
    start = datetime(2026, 3, 10, 9, 0)
    assert paths(split(start, start + timedelta(hours=3), 60)) == [
        "20260310090000/20260310100000",
        "20260310100000/20260310110000",
        "20260310110000/20260310120000",
    ]


def test_a_remainder_gives_a_shorter_last_window() -> None:
    start = datetime(2026, 3, 10, 9, 0)
    windows = split(start, start + timedelta(minutes=75), 30)
    assert [width_minutes(w) for w in windows] == [30, 30, 15]


def test_nothing_to_search_and_bad_arguments() -> None:
    start = datetime(2026, 3, 10, 9, 0)
    assert split(start, start, 60) == []
    with pytest.raises(ValueError, match="à l'envers"):
        split(start, start - timedelta(minutes=1), 60)
    with pytest.raises(ValueError, match="largeur"):
        split(start, start + timedelta(hours=1), 0)


def test_aware_times_are_read_on_the_paris_clock() -> None:
    start = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 on 2 July in Paris (CEST)
    assert paths(split(start, start + timedelta(hours=1), 60)) == ["20260702003000/20260702013000"]
    assert wall_clock(datetime(2026, 1, 1, 12, tzinfo=UTC)) == datetime(2026, 1, 1, 13)


def test_seconds_round_outwards_so_that_nothing_falls_between_calls() -> None:
    start = datetime(2026, 3, 10, 9, 0, 0, 700_000)
    end = datetime(2026, 3, 10, 9, 10, 5, 200_000)
    assert paths(split(start, end, 60)) == ["20260310090000/20260310091006"]


def test_spring_forward_no_window_wider_than_allowed_on_the_wall_clock() -> None:
    # 29 March 2026: Paris clocks go from 02:00 to 03:00. 00:30 UTC is 01:30 CET,
    # 02:30 UTC is 04:30 CEST: three wall-clock hours for two elapsed ones.
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    windows = split(start, start + timedelta(hours=2), 60)
    assert paths(windows) == [
        "20260329013000/20260329023000",
        "20260329023000/20260329033000",  # half of it never existed: empty, harmless
        "20260329033000/20260329043000",
    ]
    assert all(width_minutes(w) <= 60 for w in windows)


def test_fall_back_the_period_is_widened_by_the_hour_given_back() -> None:
    # 25 October 2026: Paris clocks go from 03:00 back to 02:00. 00:00 UTC is 02:00 CEST,
    # 02:00 UTC is 03:00 CET: two elapsed hours, one wall-clock hour (02:00-03:00, passed
    # twice). Widened by an hour on each side: a little more is searched, nothing is missed.
    start = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    windows = split(start, start + timedelta(hours=2), 60)
    assert paths(windows) == [
        "20261025010000/20261025020000",
        "20261025020000/20261025030000",
        "20261025030000/20261025040000",
    ]


def test_a_period_running_backwards_on_the_wall_clock_searches_both_passes() -> None:
    # 00:30 UTC is 02:30 summer time, 01:10 UTC is 02:10 winter time: the period covers wall
    # clock 02:30-03:00 then 02:00-02:10. Widened by the hour given back, it covers both.
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert paths(split(start, start + timedelta(minutes=40), 60)) == [
        "20261025013000/20261025023000",
        "20261025023000/20261025031000",
    ]


def test_naive_times_are_paris_wall_clock_times() -> None:
    start = datetime(2026, 10, 25, 2, 30)
    assert paths(split(start, start + timedelta(minutes=20), 60)) == [
        "20261025023000/20261025025000"
    ]


@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(PARIS)
    )
    | st.sampled_from(
        [datetime(2026, 10, 25, 0, 50, tzinfo=UTC), datetime(2026, 3, 29, 0, 50, tzinfo=UTC)]
    ),
    length=st.integers(min_value=0, max_value=3 * 24 * 60 * 60) | st.integers(0, 7200),
    minutes=st.integers(min_value=1, max_value=180),
)
def test_windows_tile_the_period_without_exceeding_the_width(
    start: datetime, length: int, minutes: int
) -> None:
    end = start + timedelta(seconds=length)
    windows = split(start, end, minutes)
    if not windows:
        assert wall_clock(start).replace(microsecond=0) >= wall_clock(end)
        return
    moments = [start + timedelta(minutes=m) for m in range(0, length // 60, 10)] + [end]
    assert all(windows[0][0] <= wall_clock(m) <= windows[-1][1] for m in moments)
    for (_, high), (low, _) in pairwise(windows):
        assert high == low
    assert all(0 < width_minutes(w) <= minutes for w in windows)
