"""Listing windows: yyyyMMddHHmmss read leniently, at most 60 minutes, Accept-Ranges on a 200."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from coursier.models.returns.listings import format_window_time, parse_deposits, parse_returns
from coursier.models.returns.rapport import parse_rapport
from coursier.models.returns.xml import PARIS
from coursier.sandbox.dsn_listings import lenient_window_time
from tests.sandbox.helpers import deposit, monthly_file, token_headers

RANGES = "minutes=0-60"


@pytest.fixture
def auth(client, base):
    return token_headers(client, base)


def window(sandbox, before: timedelta, after: timedelta = timedelta()) -> str:
    now = sandbox.clock.now()
    return f"{format_window_time(now - before)}/{format_window_time(now + after)}"


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_deposits_listed_in_a_window(client, base, sandbox, auth, version):
    idflux = parse_rapport(deposit(client, base, auth, monthly_file()).content).idflux
    dates = window(sandbox, timedelta(minutes=30), timedelta(minutes=1))
    answer = client.get(f"{base}/lister-depots/{version}/{dates}", headers=auth)
    assert answer.status_code == 200
    assert answer.headers["Accept-Ranges"] == RANGES
    [entry] = parse_deposits(answer.content, answer.headers["Content-Type"])
    assert entry.idflux == idflux
    assert entry.status == "OK"
    assert abs(entry.deposited_at - sandbox.clock.now()) < timedelta(minutes=1)


def test_the_end_of_a_window_defaults_to_now(client, base, sandbox, auth):
    deposit(client, base, auth, monthly_file())
    start = format_window_time(sandbox.clock.now() - timedelta(minutes=59))
    answer = client.get(f"{base}/lister-depots/1.0/{start}", headers=auth)
    assert len(parse_deposits(answer.content, "application/xml")) == 1
    sandbox.clock.advance(120)
    answer = client.get(f"{base}/lister-depots/1.0/{start}", headers=auth)
    assert answer.status_code == 429


def test_a_deposit_outside_the_window_is_not_listed(client, base, sandbox, auth):
    deposit(client, base, auth, monthly_file())
    sandbox.clock.advance(45 * 60)
    answer = client.get(
        f"{base}/lister-depots/1.0/{window(sandbox, timedelta(minutes=30))}", headers=auth
    )
    assert parse_deposits(answer.content, "application/xml") == []


@pytest.mark.parametrize("route", ["lister-depots", "lister-retours-declarant"])
def test_a_window_over_60_minutes_is_a_bare_429(client, base, sandbox, auth, route):
    answer = client.get(
        f"{base}/{route}/1.0/{window(sandbox, timedelta(minutes=61))}", headers=auth
    )
    assert answer.status_code == 429
    # The official simulator says nothing more (recording 47): no width, no Expires.
    assert "Accept-Ranges" not in answer.headers
    assert "Expires" not in answer.headers
    exactly = client.get(
        f"{base}/{route}/1.0/{window(sandbox, timedelta(minutes=60))}", headers=auth
    )
    assert exactly.status_code == 200


@pytest.mark.parametrize(
    "dates",
    ["2026-10-01/2026-10-02", "20261001/20261001003000", "20261001000000/x", "notadate"],
)
def test_dates_other_than_yyyymmddhhmmss_are_422(client, base, auth, dates):
    answer = client.get(f"{base}/lister-depots/1.0/{dates}", headers=auth)
    assert answer.status_code == 422
    assert "Accept-Ranges" not in answer.headers


def test_dates_are_checked_before_the_token(client, base):
    # Recording 87: a bad date without any token is 422, not 401.
    assert client.get(f"{base}/lister-retours-declarant/1.0/notadate").status_code == 422


def test_dates_roll_over_as_the_simulator_reads_them(client, base, sandbox, auth):
    # Recording 86: month 13 is January of the next year (Java's lenient SimpleDateFormat).
    ahead = sandbox.clock.now() + timedelta(days=40)
    lenient = f"{ahead.year - 1}{ahead.month + 12:02d}" + format_window_time(ahead)[6:]
    answer = client.get(f"{base}/lister-retours-declarant/1.0/{lenient}", headers=auth)
    assert answer.status_code == 200
    assert lenient_window_time(lenient) == lenient_window_time(format_window_time(ahead))
    assert lenient_window_time("20261301120000") == datetime(2027, 1, 1, 12, tzinfo=PARIS)
    assert lenient_window_time("20260300000000") == datetime(2026, 2, 28, tzinfo=PARIS)


def test_an_inverted_window_is_422(client, base, sandbox, auth):
    now = sandbox.clock.now()
    dates = f"{format_window_time(now)}/{format_window_time(now - timedelta(minutes=5))}"
    assert client.get(f"{base}/lister-depots/1.0/{dates}", headers=auth).status_code == 422


def test_refusals_carry_no_accept_ranges(client, base):
    # Only a 200 of a window listing advertises its width (recordings 72, 90).
    answer = client.get(f"{base}/lister-retours-declarant/1.0/20261001000000")
    assert answer.status_code == 401
    assert "Accept-Ranges" not in answer.headers
    assert answer.headers["WWW-Authenticate"] == 'DSNLogin realm="Jeton manquant ou invalide"'


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_declarant_returns_in_a_window(client, base, sandbox, auth, version):
    first = parse_rapport(deposit(client, base, auth, monthly_file()).content).idflux
    second = parse_rapport(deposit(client, base, auth, monthly_file(employees=1)).content).idflux
    sandbox.clock.advance(30)
    answer = client.get(
        f"{base}/lister-retours-declarant/{version}/{window(sandbox, timedelta(minutes=5))}",
        headers=auth,
    )
    assert answer.headers["Accept-Ranges"] == RANGES
    entries = parse_returns(answer.content, answer.headers["Content-Type"]).entries
    assert {e.idflux for e in entries} == {first, second}
    assert sorted(e.nature for e in entries if e.idflux == first) == ["10", "11", "93", "94"]
    later = client.get(
        f"{base}/lister-retours-declarant/1.0/{format_window_time(sandbox.clock.now())}",
        headers=auth,
    )
    assert parse_returns(later.content, "application/xml").entries == []
