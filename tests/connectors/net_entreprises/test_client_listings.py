"""Listings: windows in the path, catch-up over many windows, 429 storms, 1.0 XML and 2.0 JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from coursier.connectors.errors import PayloadError, RateLimited
from coursier.connectors.net_entreprises.errors import (
    ForbiddenFlux,
    InvalidRequest,
    MaintenancePage,
    UnknownFlux,
)
from tests.connectors.net_entreprises.fake_platform import (
    CONSULTATION_BASE,
    FakeClock,
    FakePlatform,
    deposits_xml,
    listing,
    make_client,
    returns_xml,
)
from tests.models.returns.test_hostile import BILLION_LAUGHS, EXTERNAL_ENTITY

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Paris
FLUX = "WSaah7AQlUpYL5RsQssseG."


def windows(platform: FakePlatform, route: str) -> list[str]:
    return [r.url.path.split("/", 3)[3] for r in platform.calls(route)]


def test_a_window_is_written_in_paris_time_in_the_path() -> None:
    platform = FakePlatform()
    platform.script(
        "lister-depots",
        listing(deposits_xml(("F1.a", "20260310091500", "OK"), ("F2.b", "20260310093000", "KO"))),
    )
    with make_client(platform) as client:
        entries = client.list_deposits(START, START + timedelta(minutes=45))
    (call,) = platform.calls("lister-depots")
    assert str(call.url) == f"{CONSULTATION_BASE}/lister-depots/1.0/20260310090000/20260310094500"
    assert call.headers["Authorization"].startswith("DSNLogin jeton=")
    assert [(e.idflux, e.status) for e in entries] == [("F1.a", "OK"), ("F2.b", "KO")]


def test_a_long_catch_up_is_cut_into_consecutive_windows_and_merged() -> None:
    platform = FakePlatform()
    platform.script(
        "lister-depots",
        listing(deposits_xml(("F1", "20260310093000", "OK"))),
        listing(deposits_xml(("F2", "20260310100000", "OK"))),  # on the shared bound …
        listing(deposits_xml(("F2", "20260310100000", "OK"), ("F3", "20260310103000", "KO"))),
    )
    with make_client(platform) as client:
        entries = client.list_deposits(START, START + timedelta(hours=2, minutes=30))
    assert windows(platform, "lister-depots") == [
        "20260310090000/20260310100000",
        "20260310100000/20260310110000",
        "20260310110000/20260310113000",
    ]
    assert [e.idflux for e in entries] == ["F1", "F2", "F3"]  # … listed once


def test_without_an_end_the_windows_run_until_now() -> None:
    platform, clock = FakePlatform(), FakeClock(START + timedelta(minutes=90))
    with make_client(platform, clock) as client:
        assert client.list_declarant_returns(START).entries == []
    assert windows(platform, "lister-retours-declarant") == [
        "20260310090000/20260310100000",
        "20260310100000/20260310103000",
    ]


def test_the_advertised_width_is_remembered() -> None:
    platform = FakePlatform()
    platform.listing_headers = {"Accept-Ranges": "minutes=0-30"}
    with make_client(platform) as client:
        client.list_flux_returns(FLUX)
        assert client.window_minutes == 30
        client.list_deposits(START, START + timedelta(hours=1))
    assert windows(platform, "lister-depots") == [
        "20260310090000/20260310093000",
        "20260310093000/20260310100000",
    ]


def test_a_429_that_lowers_the_width_cuts_the_window_again_without_waiting() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "lister-retours-declarant",
        httpx.Response(
            429, headers={"Accept-Ranges": "minutes=0-20", "Expires": clock.http_date(30)}
        ),
    )
    with make_client(platform, clock) as client:
        client.list_declarant_returns(START, START + timedelta(hours=1))
    assert windows(platform, "lister-retours-declarant") == [
        "20260310090000/20260310100000",
        "20260310090000/20260310092000",
        "20260310092000/20260310094000",
        "20260310094000/20260310100000",
    ]
    assert clock.waits == []


def test_a_429_storm_is_waited_out_as_the_platform_asks() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "lister-retours-declarant",
        httpx.Response(429, headers={"Expires": clock.http_date(10)}),
        lambda _: httpx.Response(429, headers={"Expires": clock.http_date(20)}),
        httpx.Response(429, headers={"Retry-After": "7"}),
        listing(returns_xml(FLUX, ("R1", "11", "OK", "https://x/r1"))),
    )
    with make_client(platform, clock) as client:
        entries = client.list_declarant_returns(START, START + timedelta(minutes=60)).entries
    assert [e.return_id for e in entries] == ["R1"]
    assert clock.waits == [10.0, 20.0, 7.0]
    # A 429 that names no width halves the window (recordings 47, 53: the simulator's say nothing).
    assert windows(platform, "lister-retours-declarant")[:4] == [
        "20260310090000/20260310100000",
        "20260310090000/20260310093000",
        "20260310090000/20260310091500",
        "20260310090000/20260310090700",
    ]


def test_waits_are_capped_and_attempts_bounded() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("lister-depots", *[httpx.Response(429, headers={"Retry-After": "3600"})] * 4)
    with make_client(platform, clock) as client, pytest.raises(RateLimited) as caught:
        client.list_deposits(START, START + timedelta(minutes=1))  # too narrow to halve
    assert clock.waits == [60.0, 60.0, 60.0]
    assert caught.value.retry_after == 3600.0
    assert "patiente" in str(caught.value)


class CutStream(httpx.SyncByteStream):
    def __iter__(self):
        yield b"<retours><flux><id>"
        raise httpx.ReadError("connection reset by peer")


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, stream=CutStream()),
        httpx.Response(502),
    ],
    ids=["connect", "timeout", "cut", "502"],
)
def test_reads_are_retried_on_transport_errors(failure: object) -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script("lister-retours-flux", failure)
    with make_client(platform, clock) as client:
        assert client.list_flux_returns(FLUX).entries == []
    assert len(platform.calls("lister-retours-flux")) == 2
    assert clock.waits == [0.5]


def test_the_returns_of_a_flux() -> None:
    platform = FakePlatform()
    platform.script(
        "lister-retours-flux",
        listing(
            returns_xml(
                FLUX,
                ("R10", "10", "OK", "https://telechargement-edit.dsnrg.net-entreprises.fr/r/10"),
                ("R11", "11", "ANO", "https://telechargement-edit.dsnrg.net-entreprises.fr/r/11"),
            )
        ),
    )
    with make_client(platform) as client:
        entries = client.list_flux_returns(FLUX).entries
    (call,) = platform.calls("lister-retours-flux")
    assert str(call.url) == f"{CONSULTATION_BASE}/lister-retours-flux/1.0/{FLUX}"
    assert [(e.idflux, e.return_id, e.nature, e.status) for e in entries] == [
        (FLUX, "R10", "10", "OK"),
        (FLUX, "R11", "11", "ANO"),
    ]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(404), UnknownFlux),
        (httpx.Response(403), ForbiddenFlux),
        (httpx.Response(422, text="idflux trop long"), InvalidRequest),
        (httpx.Response(200, text="<html><h1>Maintenance</h1></html>"), MaintenancePage),
        (httpx.Response(301, headers={"Location": "https://www.example.org/"}), MaintenancePage),
        (httpx.Response(200, content=b"<retours><flux>"), PayloadError),
        (httpx.Response(200, content=b"<autre/>"), PayloadError),
    ],
)
def test_flux_refusals(answer: httpx.Response, error: type) -> None:
    platform = FakePlatform()
    platform.script("lister-retours-flux", answer)
    with make_client(platform) as client, pytest.raises(error) as caught:
        client.list_flux_returns(FLUX)
    assert type(caught.value) is error
    assert len(platform.calls("lister-retours-flux")) == 1  # not retried, redirect not followed
    assert {r.url.host for r in platform.requests} <= {
        "test-services.net-entreprises.fr",
        "consultation-edit.dsnrg.net-entreprises.fr",
    }


def test_unknown_flux_says_what_to_do() -> None:
    platform = FakePlatform()
    platform.script("lister-retours-flux", httpx.Response(404))
    with make_client(platform) as client, pytest.raises(UnknownFlux) as caught:
        client.list_flux_returns(FLUX)
    assert "trois mois" in str(caught.value)


@pytest.mark.parametrize("idflux", ["x" * 51, "", "../depots", "a/b", "..", "é"])
def test_a_bad_idflux_is_refused_before_any_request(idflux: str) -> None:
    platform = FakePlatform()
    with make_client(platform) as client, pytest.raises(InvalidRequest):
        client.list_flux_returns(idflux)
    assert platform.requests == []


def test_an_idflux_of_fifty_characters_is_asked() -> None:
    platform = FakePlatform()
    with make_client(platform) as client:
        assert client.list_flux_returns("A." * 25).entries == []


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_hostile_xml_is_a_payload_error_and_the_session_survives(hostile: bytes) -> None:
    platform = FakePlatform()
    platform.script("lister-retours-declarant", listing(hostile))
    with make_client(platform) as client:
        with pytest.raises(PayloadError) as caught:
            client.list_declarant_returns(START, START + timedelta(minutes=5))
        assert "rien n'a été résolu" in str(caught.value)
        assert "lol" not in str(caught.value)
        assert "root:" not in str(caught.value)
        assert client.list_deposits(START, START + timedelta(minutes=5)) == []
    assert platform.logins == 1


def test_version_2_paths_and_irregular_json() -> None:
    platform = FakePlatform()
    deposits = {
        "depots": {
            "declarant": "99900000300015",
            "depot": {"idFlux": "F9", "DATE": "2026-03-10T09:10:00", "statut": "OK"},
        }
    }
    returns = {
        "retours": {
            "flux": [
                {
                    "IDFLUX": FLUX,
                    "retour": {"ID": "R1", "Nature": 11, "Statut": "OK", "url": "https://t/1"},
                }
            ]
        }
    }
    platform.script(
        "lister-depots", listing(json.dumps(deposits).encode(), Content_Type="application/json")
    )
    platform.script(
        "lister-retours-flux",
        listing(json.dumps(returns).encode(), Content_Type="application/json;charset=UTF-8"),
    )
    with make_client(platform, api_version="2.0") as client:
        (deposit,) = client.list_deposits(START, START + timedelta(minutes=30))
        (entry,) = client.list_flux_returns(FLUX).entries
    assert (deposit.idflux, deposit.status) == ("F9", "OK")
    assert (entry.return_id, entry.nature, entry.status) == ("R1", "11", "OK")
    assert platform.calls("lister-depots")[0].url.path.startswith("/lister-depots/2.0/")
    assert platform.calls("lister-retours-flux")[0].url.path == f"/lister-retours-flux/2.0/{FLUX}"


def test_a_429_naming_no_width_halves_down_to_a_minute_then_waits_the_same_window() -> None:
    # Recordings 47 and 53: the simulator's 429 carries neither Accept-Ranges nor Expires.
    platform, clock = FakePlatform(), FakeClock()
    platform.script("lister-depots", *[httpx.Response(429)] * 5)
    with make_client(platform, clock) as client:
        assert client.list_deposits(START, START + timedelta(minutes=4)) == []
        assert client.window_minutes == 60  # the next 200 advertised 60 again
    assert windows(platform, "lister-depots")[:5] == [
        "20260310090000/20260310090400",
        "20260310090000/20260310090200",
        "20260310090000/20260310090100",
        "20260310090000/20260310090100",  # a minute is never cut: waited, then asked again
        "20260310090000/20260310090100",
    ]
    assert clock.waits == [0.5, 0.5, 0.5, 1.0, 2.0]  # halvings, then the retries of one minute
    assert len(platform.calls("lister-depots")) == 5 + 3  # the 1-minute windows left


def test_a_429_advertising_its_width_still_cuts_without_halving() -> None:
    platform, clock = FakePlatform(), FakeClock()
    platform.script(
        "lister-depots",
        httpx.Response(429, headers={"Accept-Ranges": "minutes=0-60", "Retry-After": "2"}),
    )
    with make_client(platform, clock) as client:
        client.list_deposits(START, START + timedelta(minutes=40))
    assert windows(platform, "lister-depots") == ["20260310090000/20260310094000"] * 2
    assert clock.waits == [2.0]


def test_an_unreadable_listing_says_to_report_it_not_to_retry() -> None:
    platform = FakePlatform()
    platform.script("lister-retours-flux", httpx.Response(200, content=b"<autre/>"))
    with make_client(platform) as client, pytest.raises(PayloadError) as caught:
        client.list_flux_returns(FLUX)
    message = str(caught.value)
    assert "signalez-le" in message
    assert "réessayez" not in message
    assert "<retours>" in message  # what was wrong


def test_a_return_without_id_is_set_aside_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    platform = FakePlatform()
    body = (
        b"<retours><flux><id>F1</id><retour><nature>20</nature><statut>OK</statut></retour>"
        b"<retour><nature>10</nature><statut>OK</statut><id>R1</id></retour></flux></retours>"
    )
    platform.script(
        "lister-retours-declarant",
        listing(body),
        listing(body),  # two windows, one return
    )
    with make_client(platform) as client:
        found = client.list_declarant_returns(START, START + timedelta(minutes=90))
    assert [e.return_id for e in found.entries] == ["R1"]
    [aside] = found.set_aside
    assert (aside.idflux, aside.nature, aside.status) == ("F1", "20", "OK")
    warnings = [r for r in caplog.records if r.name == "coursier.connectors.net_entreprises"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "flux F1, nature 20" in warnings[0].getMessage()
