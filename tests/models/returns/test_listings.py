"""Listings: 1.0 XML and the irregular 2.0 JSON, written by the sandbox and read leniently."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coursier.models.returns.listings import (
    DepositEntry,
    ReturnEntry,
    format_window_time,
    parse_deposits,
    parse_returns,
    parse_window_time,
    write_deposits_json,
    write_deposits_xml,
    write_returns_json,
    write_returns_xml,
)
from coursier.models.returns.xml import PARIS, ReturnParseError

AT = datetime(2026, 10, 5, 9, 30, 12, tzinfo=PARIS)
DEPOSITS = [
    DepositEntry("F1xGK3X.C-.wayM98pOcSJm", AT, "OK"),
    DepositEntry("UR5WJEBA5", None, "KO"),
]
RETURNS = [
    ReturnEntry("F1.a", "1", "10", "OK", AT, AT, "http://127.0.0.1/t/F1.a/1", None, None),
    ReturnEntry("F1.a", "2", "11", "ANO", AT, None, "http://127.0.0.1/t/F1.a/2", "URSSAF", "X"),
    ReturnEntry("B2", "3", "94", "OK", None, None, None, None, None),
]


@pytest.mark.parametrize(
    ("write", "content_type"),
    [
        (write_deposits_xml, "application/xml"),
        (write_deposits_json, "application/json; charset=utf-8"),
        (write_deposits_xml, ""),  # no content type: sniffed
        (write_deposits_json, ""),
    ],
)
def test_deposits_round_trip(write, content_type):
    assert parse_deposits(write("99900000300015", DEPOSITS), content_type) == DEPOSITS
    assert parse_deposits(write("99900000300015", DEPOSITS[:1]), content_type) == DEPOSITS[:1]


@pytest.mark.parametrize(
    ("write", "content_type"),
    [(write_returns_xml, "text/xml"), (write_returns_json, "application/json")],
)
def test_returns_round_trip_one_and_many(write, content_type):
    assert parse_returns(write(RETURNS), content_type) == RETURNS
    assert parse_returns(write(RETURNS[:1]), content_type) == RETURNS[:1]
    assert parse_returns(write([]), content_type) == []


def test_the_json_writers_are_irregular_like_the_real_2_0():
    one = write_returns_json(RETURNS[2:])
    assert b'"IDFLUX"' in one
    assert b'"retour": {' in one
    assert b'"nature": 94' in one
    assert b'"idFlux"' in write_deposits_json("1" * 14, DEPOSITS)


def test_empty_xml_listings():
    assert parse_returns(b"<retours/>", "application/xml") == []
    assert parse_deposits(b"<depots><declarant>x</declarant></depots>", "application/xml") == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"retours": {"flux": {"idflux": "F", "retour": '
        b'{"id": 7, "nature": 11, "statut": "KO"}}}}',
        b'{"RETOURS": {"Flux": [{"IdFlux": "F", "Retours": '
        b'[{"ID": "7", "NATURE": "11", "STATUT": "KO"}]}]}}',
        b'{"flux": {"id": "F", "retour": [{"idRetour": "7", "nature": "11", "status": "KO"}]}}',
        b'[{"idflux": "F", "id": "7", "nature": 11, "statut": "KO"}]',
        b'\xef\xbb\xbf{"retours": {"flux": {"idflux": "F", "retour": '
        b'{"id": "7", "nature": "11", "statut": "KO", "url": null}}}}',
    ],
)
def test_json_returns_are_read_leniently(body):
    [entry] = parse_returns(body, "application/json")
    assert (entry.idflux, entry.return_id, entry.nature, entry.status) == ("F", "7", "11", "KO")
    assert entry.url is None
    assert entry.published_at is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"depots": {"depot": {"IDFLUX": "F", "date": "20261005093012"}}}',
        b'{"Depots": {"Depot": [{"idFlux": "F", "Date": "2026-10-05T09:30:12"}]}}',
        b'{"depot": {"idflux": "F", "date": "2026-10-05T07:30:12Z"}}',
        b'[{"idflux": "F", "date": "2026-10-05T09:30:12+02:00", "statut": null}]',
    ],
)
def test_json_deposits_are_read_leniently(body):
    [entry] = parse_deposits(body, "application/json")
    assert entry.idflux == "F"
    assert entry.status is None
    assert entry.deposited_at == AT
    assert entry.deposited_at.tzinfo is not None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "JSON illisible"),
        (b"42", "liste JSON inattendue"),
        (b'{"depots": {"depot": [1, 2]}}', "entrée de liste"),
        (b'{"depots": {"depot": {"date": "20261005093012"}}}', "idflux"),
        (b'{"depots": {"depot": {"idflux": "F", "date": "yesterday"}}}', "date illisible"),
        (b'{"depots": {"depot": {"idflux": {"a": 1}}}}', "valeur inattendue"),
    ],
)
def test_garbage_json_deposits_raise(body, says):
    with pytest.raises(ReturnParseError, match=says):
        parse_deposits(body, "application/json")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<depots/>", "attendu <retours>"),
        (b"<retours><flux><retour><id>1</id></retour></flux></retours>", "flux sans identifiant"),
        (
            b"<retours><flux><id>F</id><retour><id>1</id><statut>OK</statut></retour></flux></retours>",
            "nature",
        ),
        (b'{"retours": {"flux": {"idflux": "F", "retour": {"nature": 10, "statut": "OK"}}}}', "id"),
    ],
)
def test_incomplete_returns_raise(body, says):
    with pytest.raises(ReturnParseError, match=says):
        parse_returns(body, "")


def test_window_times_are_paris_times():
    assert format_window_time(datetime(2026, 1, 15, 8, 0, tzinfo=UTC)) == "20260115090000"
    assert format_window_time(datetime(2026, 7, 15, 8, 0, tzinfo=UTC)) == "20260715100000"
    assert format_window_time(datetime(2026, 7, 15, 8, 0)) == "20260715080000"  # naive = Paris
    assert parse_window_time("20260715100000") == datetime(2026, 7, 15, 8, 0, tzinfo=UTC)
    for bad in ("2026-07-15", "2026071510000", "2026071510000a", "20261315100000"):
        with pytest.raises(ValueError, match="yyyyMMddHHmmss"):
            parse_window_time(bad)
