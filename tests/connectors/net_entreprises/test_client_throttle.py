"""A success's ``Expires``: "do not ask the same again before" — per request, from ``Date``."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from tests.connectors.net_entreprises.fake_platform import (
    AEE,
    FakeClock,
    FakePlatform,
    listing,
    make_client,
)

FLUX = "WSaah7AQlUpYL5RsQssseG."
START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def asked(platform_now: datetime, seconds: float, **headers: str) -> httpx.Response:
    """A listing answered at ``platform_now`` on the platform's clock, back-off ``seconds``."""
    return listing(
        b"<retours/>",
        Date=stamp(platform_now),
        Expires=stamp(platform_now + timedelta(seconds=seconds)),
        **headers,
    )


def test_the_same_request_waits_for_the_back_off_read_from_the_platforms_date() -> None:
    platform, clock = FakePlatform(), FakeClock()
    ahead = clock.now + timedelta(hours=3)  # the platform's clock is far from ours
    platform.script("lister-retours-flux", asked(ahead, 40))
    with make_client(platform, clock) as client:
        client.list_flux_returns(FLUX)
        clock.advance(15)
        client.list_flux_returns(FLUX)  # 25 s left of the 40 asked
        client.list_flux_returns(FLUX)  # the default answer asked nothing
    assert clock.waits == [25.0]
    assert len(platform.calls("lister-retours-flux")) == 3


def test_without_date_the_back_off_is_read_on_our_clock() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("lister-retours-flux", listing(b"<retours/>", Expires=clock.http_date(30)))
    with make_client(platform, clock) as client:
        client.list_flux_returns(FLUX)
        client.list_flux_returns(FLUX)
    assert clock.waits == [30.0]


def test_another_request_does_not_wait_and_a_long_back_off_is_capped() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("lister-retours-flux", asked(clock.now, 600))
    with make_client(platform, clock) as client:
        client.list_flux_returns(FLUX)
        client.list_flux_returns("AUTRE.FLUX")
        assert clock.waits == []
        client.list_flux_returns(FLUX)
    assert clock.waits == [60.0]  # RetryPolicy.max_wait


def test_an_expires_that_is_no_date_or_already_past_asks_nothing() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "lister-retours-flux",
        listing(b"<retours/>", Expires="0"),
        listing(b"<retours/>", Expires="-1"),
        asked(clock.now, -5),
    )
    with make_client(platform, clock) as client:
        for _ in range(4):
            client.list_flux_returns(FLUX)
    assert clock.waits == []


def test_deposits_never_wait() -> None:
    platform, clock = FakePlatform(), FakeClock()
    answer = httpx.Response(
        200,
        content=gzip.compress(AEE),
        headers={
            "Content-Type": "application/xml",
            "Content-Encoding": "gzip",
            "Expires": clock.http_date(120),
        },
    )
    platform.script("deposer-dsn", answer, answer)
    with make_client(platform, clock) as client:
        client.deposit(b"S10.G00.00.001,'a'\n")
        client.deposit(b"S10.G00.00.001,'a'\n")
    assert clock.waits == []
    assert len(platform.calls("deposer-dsn")) == 2


def test_windows_are_different_questions() -> None:
    platform, clock = FakePlatform(), FakeClock(START + timedelta(hours=2))
    platform.listing_headers = {"Accept-Ranges": "minutes=0-60", "Expires": clock.http_date(120)}
    with make_client(platform, clock) as client:
        client.list_deposits(START, START + timedelta(hours=2))
    assert len(platform.calls("lister-depots")) == 2
    assert clock.waits == []
