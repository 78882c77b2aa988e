"""Listings: 1.0 XML and 2.0 JSON, written as the official simulator does and read leniently."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from coursier.models.declarant import Declarant
from coursier.models.returns.listing_writer import (
    write_deposits_json,
    write_deposits_xml,
    write_returns_json,
    write_returns_xml,
)
from coursier.models.returns.listings import (
    DepositEntry,
    ReturnEntry,
    ReturnListing,
    SetAside,
    format_window_time,
    merge_returns,
    parse_deposits,
    parse_returns,
    parse_window_time,
)
from coursier.models.returns.xml import PARIS, ReturnParseError

AT = datetime(2026, 10, 5, 9, 30, 12, tzinfo=PARIS)
DECLARANT = Declarant("99900000300015", "declarant", "declarant")
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
    assert parse_deposits(write(DECLARANT, DEPOSITS), content_type) == DEPOSITS
    assert parse_deposits(write(DECLARANT, DEPOSITS[:1]), content_type) == DEPOSITS[:1]
    assert parse_deposits(write(DECLARANT, []), content_type) == []


@pytest.mark.parametrize(
    ("write", "content_type"),
    [(write_returns_xml, "text/xml"), (write_returns_json, "application/json")],
)
def test_returns_round_trip_one_and_many(write, content_type):
    assert parse_returns(write(RETURNS), content_type) == ReturnListing(RETURNS, [])
    assert parse_returns(write(RETURNS[:1]), content_type).entries == RETURNS[:1]
    assert parse_returns(write([]), content_type) == ReturnListing([], [])


def test_the_writers_write_the_simulators_shapes():
    # Recordings 46, 49 and 62: deposits nested in their declarant, 2.0 "Retour" lists.
    xml = write_deposits_xml(DECLARANT, DEPOSITS[:1])
    assert b"<declarant><siret>99900000300015</siret><nom>declarant</nom>" in xml
    assert b"<depot><idflux>F1xGK3X.C-.wayM98pOcSJm</idflux><date>20261005093012" in xml
    assert json.loads(write_deposits_json(DECLARANT, DEPOSITS[:1])) == {
        "declarant": {
            "depot": [
                {"date": "20261005093012", "idflux": "F1xGK3X.C-.wayM98pOcSJm", "statut": "OK"}
            ],
            "siret": "99900000300015",
            "nom": "declarant",
            "prenom": "declarant",
        }
    }
    one = json.loads(write_returns_json(RETURNS[2:]))
    assert one == {
        "flux": [
            {
                "id": "B2",
                "Retour": [
                    {
                        "publication": None,
                        "production": None,
                        "nature": "94",
                        "statut": "OK",
                        "id": "3",
                        "url": None,
                        "delegataire": None,
                        "ops": None,
                    }
                ],
            }
        ]
    }
    assert json.loads(write_returns_json([])) == {"flux": []}
    assert b"<ops>" not in write_returns_xml(RETURNS[:1])  # absent: left out, as in 1.0


def test_empty_xml_listings():
    assert parse_returns(b"<retours/>", "application/xml") == ReturnListing([], [])
    assert parse_deposits(b"<depots><declarant>x</declarant></depots>", "application/xml") == []
    assert parse_deposits(b"<depots> <declarant> <siret>1</siret> </declarant></depots>", "") == []


@pytest.mark.parametrize(
    "body",
    [
        b"<depots><declarant>99900000300015</declarant><depot><idflux>A</idflux>"
        b"<statut>OK</statut></depot></depots>",  # older: side by side
        b"<depots> <declarant> <siret>1</siret> <nom>Test</nom> <prenom>abcde</prenom> <depot> "
        b"<idflux>A</idflux> <statut>OK</statut></depot></declarant></depots>",  # recording 46
        b'{"declarant":{"depot":[{"date":null,"idflux":"A","statut":"OK"}],"siret":"1"}}',
        b'{"depots": {"declarant": "1", "depot": {"idFlux": "A", "statut": "OK"}}}',
        b'{"depots": {"declarant": {"siret": "1", "depot": {"idflux": "A", "statut": "OK"}}}}',
        b'{"declarant": [{"depot": {"idflux": "A", "statut": "OK"}}]}',
    ],
)
def test_both_deposit_shapes_are_read(body):
    assert parse_deposits(body, "") == [DepositEntry("A", None, "OK")]


def test_deposits_of_several_declarants_are_all_read():
    body = (
        b"<depots><declarant><siret>1</siret><depot><idflux>A</idflux></depot></declarant>"
        b"<declarant><siret>2</siret><depot><idflux>B</idflux></depot></declarant></depots>"
    )
    assert [d.idflux for d in parse_deposits(body, "application/xml")] == ["A", "B"]


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
    [entry] = parse_returns(body, "application/json").entries
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
        (b"<retours><flux><id>F</id><retour><id>1</id><nature>10</nature><statut>OK</statut>"
         b"<publication>hier</publication></retour></flux></retours>", "date illisible"),
        (b'{"flux": [{"id": "F", "Retour": [{"id": {"x": 1}, "nature": 10, "statut": "OK"}]}]}',
         "valeur inattendue"),
    ],
)  # fmt: skip
def test_unreadable_returns_raise(body, says):
    with pytest.raises(ReturnParseError, match=says):
        parse_returns(body, "")


@pytest.mark.parametrize(
    ("body", "kept", "aside"),
    [
        (
            b"<retours><flux><retour><id>1</id><nature>10</nature><statut>OK</statut></retour>"
            b"</flux></retours>",
            [],
            SetAside(None, "10", "OK", "retour listé sans identifiant de flux"),
        ),
        (
            b"<retours><flux><id>F</id><retour><id>1</id><statut>OK</statut></retour>"
            b"<retour><id>2</id><nature>11</nature><statut>KO</statut></retour></flux></retours>",
            ["2"],
            SetAside("F", None, "OK", "retour listé sans nature"),
        ),
        (
            b'{"retours": {"flux": {"idflux": "F", "retour": {"nature": 10, "statut": "OK"}}}}',
            [],
            SetAside("F", "10", "OK", "retour listé sans identifiant <id>"),
        ),
        (  # recording 62: "id": null
            b'{"flux": [{"id": "F", "Retour": [{"nature": "20", "statut": "OK", "id": null}, '
            b'{"nature": "21", "statut": "KO", "id": "7"}]}]}',
            ["7"],
            SetAside("F", "20", "OK", "retour listé sans identifiant <id>"),
        ),
    ],
)
def test_an_unidentified_return_is_set_aside_and_the_rest_kept(body, kept, aside):
    listing = parse_returns(body, "")
    assert [e.return_id for e in listing.entries] == kept
    [found] = listing.set_aside
    assert (found.idflux, found.nature, found.status) == (aside.idflux, aside.nature, aside.status)
    assert found.reason.startswith(aside.reason)
    assert "portail" in found.reason


def test_merging_windows_keeps_each_return_and_each_set_aside_once():
    aside = SetAside("F", "20", "OK", "retour listé sans identifiant <id>")
    first = ReturnListing(RETURNS[:2], [aside])
    second = ReturnListing([RETURNS[1], RETURNS[2]], [aside])
    assert merge_returns([first, second]) == ReturnListing(RETURNS, [aside])
    assert merge_returns([]) == ReturnListing([], [])


def test_window_times_are_paris_times():
    assert format_window_time(datetime(2026, 1, 15, 8, 0, tzinfo=UTC)) == "20260115090000"
    assert format_window_time(datetime(2026, 7, 15, 8, 0, tzinfo=UTC)) == "20260715100000"
    assert format_window_time(datetime(2026, 7, 15, 8, 0)) == "20260715080000"  # naive = Paris
    assert parse_window_time("20260715100000") == datetime(2026, 7, 15, 8, 0, tzinfo=UTC)
    for bad in ("2026-07-15", "2026071510000", "2026071510000a", "20261315100000"):
        with pytest.raises(ValueError, match="yyyyMMddHHmmss"):
            parse_window_time(bad)
