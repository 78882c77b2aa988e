"""Faults per route: statuses, malformed bodies, cuts of the response and of the request; rules
only on the platform's own routes; a route's rule and ``*``'s both apply."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from coursier.models.returns.listings import parse_deposits
from coursier.models.returns.rapport import ReturnParseError, parse_rapport
from coursier.sandbox.faults import Fault, FaultBoard, FaultKind, UnknownFaultRoute
from coursier.sandbox.server import SandboxServer
from tests.sandbox.helpers import PLATFORM, deposit, monthly_file, token_headers


@pytest.fixture
def auth(client, base):
    return token_headers(client, base)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_log():
    """What uvicorn logs (its loggers do not propagate to pytest's capture)."""
    collect = Collect()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(collect)
    yield collect.records
    logger.removeHandler(collect)


def set_fault(client, base, **rule):
    answer = client.post(f"{base}/_sandbox/faults", json=rule)
    assert answer.status_code == 200, answer.text


def recorded(client, base):
    return client.get(f"{base}/_sandbox/deposits").json()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_status_fault_answers_at_once_and_processes_nothing(client, base, sandbox, auth, status):
    set_fault(client, base, route="deposer-dsn", kind="status", status=status, retry_after=7)
    answer = deposit(client, base, auth, monthly_file())
    assert answer.status_code == status
    assert answer.headers["Retry-After"] == "7"
    assert answer.headers["Expires"].endswith("GMT")
    assert recorded(client, base) == []


def test_a_fault_limited_to_the_next_n_requests(client, base, auth):
    set_fault(client, base, route="deposer-dsn", kind="status", status=503, count=2)
    statuses = [deposit(client, base, auth, monthly_file()).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert len(recorded(client, base)) == 1
    assert client.get(f"{base}/_sandbox/faults").json() == []


def test_faults_are_per_route(client, base, sandbox, auth):
    set_fault(client, base, route="lister-depots", kind="status", status=500)
    assert deposit(client, base, auth, monthly_file()).status_code == 200
    assert (
        client.get(
            f"{base}/lister-depots/1.0/20261001000000/20261001003000", headers=auth
        ).status_code
        == 500
    )
    assert client.get(f"{base}/_sandbox/deposits").status_code == 200  # inspection never faulted


def test_the_star_route_applies_everywhere(client, base):
    set_fault(client, base, route="*", kind="status", status=503)
    assert client.post(f"{base}/authentifier/1.0/", content=b"<x/>").status_code == 503
    assert client.get(f"{base}/lister-retours-flux/1.0/x").status_code == 503


def test_a_malformed_answer_after_the_deposit_was_recorded(client, base, auth):
    set_fault(client, base, route="deposer-dsn", kind="malformed")
    answer = deposit(client, base, auth, monthly_file())
    assert answer.status_code == 200
    with pytest.raises(ReturnParseError):
        parse_rapport(answer.content)
    assert len(recorded(client, base)) == 1


def test_a_malformed_listing(client, base, auth):
    set_fault(client, base, route="lister-depots", kind="malformed")
    answer = client.get(f"{base}/lister-depots/1.0/20261001000000/20261001003000", headers=auth)
    assert answer.status_code == 200
    with pytest.raises(ReturnParseError):
        parse_deposits(answer.content, answer.headers["Content-Type"])


def test_a_cut_mid_response_after_the_deposit_was_recorded(client, base, auth, server_log):
    set_fault(client, base, route="deposer-dsn", kind="cut_response", cut_after=20, count=1)
    file = monthly_file()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        deposit(client, base, auth, file)
    [entry] = recorded(client, base)
    assert entry["status"] == "OK"
    assert deposit(client, base, auth, file).status_code == 200  # the cut was a one-off
    assert len(recorded(client, base)) == 2
    assert server_log == []


def test_a_cut_mid_request_records_nothing(client, base, auth, server_log):
    set_fault(client, base, route="deposer-dsn", kind="cut_request", cut_after=10, count=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        deposit(client, base, auth, monthly_file())
    assert recorded(client, base) == []
    assert deposit(client, base, auth, monthly_file()).status_code == 200
    assert len(recorded(client, base)) == 1
    assert server_log == []


def test_latency_delays_every_request_on_star(client, base):
    set_fault(client, base, route="*", latency_ms=150)
    started = time.monotonic()
    client.get(f"{base}/lister-retours-flux/1.0/x")
    assert time.monotonic() - started >= 0.15


def test_the_server_wide_latency_is_a_star_rule():
    with SandboxServer(latency_ms=50) as sandbox:
        [rule] = sandbox.state(PLATFORM).faults.rules()
        assert (rule.route, rule.latency_ms, rule.kind) == ("*", 50, None)
        sandbox.reset()
        assert sandbox.state("izilio").faults.rules() == [rule]


def test_faults_listed_and_cleared(client, base):
    set_fault(client, base, route="telecharger", kind="cut_response", rate=0.5)
    [rule] = client.get(f"{base}/_sandbox/faults").json()
    assert rule["route"] == "telecharger"
    assert rule["rate"] == 0.5
    client.delete(f"{base}/_sandbox/faults")
    assert client.get(f"{base}/_sandbox/faults").json() == []


@pytest.mark.parametrize(
    "rule",
    [
        {"route": "ailleurs", "kind": "status"},
        {"route": "*", "kind": "status", "status": 404},
        {"route": "*", "kind": "explode"},
        {"route": "*", "rate": 1.5},
        {"route": "x" * 65, "kind": "status"},
    ],
)
def test_invalid_faults_are_refused(client, base, rule):
    assert client.post(f"{base}/_sandbox/faults", json=rule).status_code == 422


def _pattern(seed: int) -> list[bool]:
    board = FaultBoard(seed, PLATFORM, ["deposer-dsn"])
    board.set(Fault(route="deposer-dsn", kind=FaultKind.STATUS, rate=0.5))
    return [board.draw("deposer-dsn") is not None for _ in range(40)]


def test_the_draw_is_reproducible_with_the_seed():
    assert _pattern(1) == _pattern(1)
    assert _pattern(1) != _pattern(2)
    assert 5 < sum(_pattern(1)) < 35


DSN_ROUTES = (
    "*, authentifier, deposer-dsn, lister-depots, lister-retours-flux, lister-retours-declarant, "
    "lister-retours-concentrateur, telecharger, telecharger-retour"
)
NOT_ROUTES = ["ailleurs", "_sandbox", "deposer-dsn/1.0", "Deposer-DSN", " deposer-dsn", "ping"]


@pytest.mark.parametrize("route", NOT_ROUTES)
def test_a_fault_on_a_route_the_platform_lacks_is_refused_naming_the_valid_ones(sandbox, route):
    board = sandbox.state(PLATFORM).faults
    with pytest.raises(UnknownFaultRoute) as refused:
        board.set(Fault(route=route, kind=FaultKind.STATUS))
    assert str(refused.value) == (
        f"route inconnue {route!r} sur {PLATFORM} : une panne vise l'une de {DSN_ROUTES}"
    )
    assert board.rules() == []


@pytest.mark.parametrize("route", NOT_ROUTES)
def test_the_fault_endpoint_refuses_an_unknown_route_with_the_message(client, base, auth, route):
    answer = client.post(f"{base}/_sandbox/faults", json={"route": route, "kind": "status"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": f"route inconnue {route!r} sur {PLATFORM} : une panne vise l'une de {DSN_ROUTES}"
    }
    assert client.get(f"{base}/_sandbox/faults").json() == []
    assert deposit(client, base, auth, monthly_file()).status_code == 200


def test_a_route_rule_that_does_not_strike_leaves_the_star_rule_to_strike(client, base, auth):
    set_fault(client, base, route="deposer-dsn", kind="cut_response", rate=0)
    set_fault(client, base, route="*", kind="status", status=503, retry_after=0)
    assert deposit(client, base, auth, monthly_file()).status_code == 503
    assert recorded(client, base) == []


def test_the_route_rule_strikes_first_then_the_star_rule(client, base, auth, server_log):
    set_fault(client, base, route="deposer-dsn", kind="cut_response", cut_after=20, count=1)
    set_fault(client, base, route="*", kind="status", status=503, retry_after=0, count=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        deposit(client, base, auth, monthly_file())
    assert deposit(client, base, auth, monthly_file()).status_code == 503
    assert deposit(client, base, auth, monthly_file()).status_code == 200
    assert [d["status"] for d in recorded(client, base)] == ["OK", "OK"]  # cut, then the 200
    assert client.get(f"{base}/_sandbox/faults").json() == []
    assert server_log == []


def _close_to(count: int, trials: int, rate: float) -> bool:
    """``count`` within 4 standard deviations of a binomial's mean (the seed fixes the draw,
    so this holds or fails the same on every run)."""
    return abs(count - trials * rate) <= 4 * math.sqrt(trials * rate * (1 - rate))


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_stacked_rules_strike_at_their_rates(seed):
    """The bench's faults: 10 % cuts on deposits, 5 % 503 everywhere, deposits included."""
    trials = 4000
    board = FaultBoard(seed, PLATFORM, ["deposer-dsn", "lister-depots"])
    board.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, rate=0.10))
    board.set(Fault(route="*", kind=FaultKind.STATUS, status=503, rate=0.05))
    deposits = Counter(getattr(board.draw("deposer-dsn"), "kind", None) for _ in range(trials))
    cuts, unavailable = deposits[FaultKind.CUT_RESPONSE], deposits[FaultKind.STATUS]
    assert _close_to(cuts, trials, 0.10), deposits
    assert _close_to(unavailable, trials - cuts, 0.05), deposits  # drawn when no cut struck
    listings = Counter(getattr(board.draw("lister-depots"), "kind", None) for _ in range(trials))
    assert set(listings) == {None, FaultKind.STATUS}
    assert _close_to(listings[FaultKind.STATUS], trials, 0.05), listings


def test_stacked_draws_are_reproducible_with_the_seed():
    def outcomes(seed: int) -> list[FaultKind | None]:
        board = FaultBoard(seed, PLATFORM, ["deposer-dsn"])
        board.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, rate=0.3))
        board.set(Fault(route="*", kind=FaultKind.STATUS, rate=0.3))
        return [getattr(board.draw("deposer-dsn"), "kind", None) for _ in range(60)]

    assert outcomes(3) == outcomes(3)
    assert outcomes(3) != outcomes(4)
    assert {FaultKind.CUT_RESPONSE, FaultKind.STATUS, None} == set(outcomes(3))


def test_counted_rules_strike_exactly_their_count_under_concurrent_requests():
    board = FaultBoard(0, PLATFORM, ["deposer-dsn"])
    board.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, count=50))
    board.set(Fault(route="*", kind=FaultKind.STATUS, count=30))
    with ThreadPoolExecutor(8) as pool:
        strikes = list(pool.map(lambda _: board.draw("deposer-dsn"), range(400)))
    assert Counter(f.kind for f in strikes if f) == {
        FaultKind.CUT_RESPONSE: 50,
        FaultKind.STATUS: 30,
    }
    assert board.rules() == []


def test_latencies_of_the_route_and_of_star_add_up():
    board = FaultBoard(0, PLATFORM, ["deposer-dsn", "lister-depots"])
    board.set(Fault(route="*", latency_ms=20))
    board.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, rate=0, latency_ms=30))
    assert board.latency_ms("deposer-dsn") == 50
    assert board.latency_ms("lister-depots") == 20
