"""Hostile and broken input: a clear ReturnParseError, nothing resolved, nothing else raised."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursier.models.returns.listings import parse_deposits, parse_returns
from coursier.models.returns.rapport import ReturnParseError, parse_return_document
from coursier.models.returns.xml import safe_fromstring
from tests.models.returns.files import all_examples

GIPMDS = 'xmlns:gipmds="http://www.gip-mds.fr/"'

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<gipmds:rapport %s type="AEE" profil="DSN"><envoi><envoi_identification>
<idflux>&lol4;</idflux></envoi_identification></envoi></gipmds:rapport>""" % GIPMDS.encode()

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gipmds:rapport %s type="AEE" profil="DSN"><envoi><envoi_identification>
<idflux>&xxe;</idflux></envoi_identification></envoi></gipmds:rapport>""" % GIPMDS.encode()

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE gipmds:rapport SYSTEM "http://127.0.0.1:9/evil.dtd">
<gipmds:rapport %s type="AEE" profil="DSN"><envoi/></gipmds:rapport>""" % GIPMDS.encode()

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<retours/>"""


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        EXTERNAL_DTD,
        PARAMETER_ENTITY,
        EXTERNAL_ENTITY.decode().encode("utf-16"),  # hidden from the byte pre-scan
        BILLION_LAUGHS.lower(),
    ],
)
def test_dtds_and_entities_are_refused_and_nothing_is_resolved(document):
    with pytest.raises(ReturnParseError, match="DTD") as caught:
        parse_return_document(document)
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd leaked into the message
    with pytest.raises(ReturnParseError, match="DTD"):
        parse_returns(document, "application/xml")


@pytest.mark.parametrize(
    ("document", "says"),
    [
        (b"", "vide"),
        (b"   \n", "vide"),
        (b"not xml at all", "XML lisible"),
        (b"<gipmds:rapport", "XML lisible"),
        (b"\xff\xfe\x00garbage", "XML lisible"),
        (b"<html><body>Maintenance</body></html>", "racine <html>"),
        (b'<gipmds:rapport %s profil="DSN"><envoi/></gipmds:rapport>' % GIPMDS.encode(), "type"),
        (b'<gipmds:rapport %s type="AEE" profil="DSN"/>' % GIPMDS.encode(), "<envoi>"),
        (b'<rapport type="AEE"><envoi/></rapport>', "racine <rapport>"),
        (
            b'<gipmds:rapport %s type="CRM nominatif" profil="DSN"><envoi/></gipmds:rapport>'
            % GIPMDS.encode(),
            "identifiant",
        ),
    ],
)
def test_broken_documents_say_what_is_wrong(document, says):
    with pytest.raises(ReturnParseError, match=says):
        parse_return_document(document)


def test_text_is_refused_bytes_are_required():
    with pytest.raises(ReturnParseError, match="octets"):
        safe_fromstring("<retours/>")  # type: ignore[arg-type]


def test_an_unreadable_date_in_a_return_is_a_parse_error():
    document = (
        b'<gipmds:rapport %s type="AEE" profil="DSN"><envoi><envoi_identification>'
        b"<date_reception>2015-02-31</date_reception></envoi_identification></envoi>"
        b"</gipmds:rapport>" % GIPMDS.encode()
    )
    with pytest.raises(ReturnParseError, match="date de réception"):
        parse_return_document(document)


EXAMPLES = [p.read_bytes() for p in all_examples()]


def _only_our_error(parse, data):
    with contextlib.suppress(ReturnParseError):
        parse(data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400))
def test_junk_bytes_raise_only_return_parse_error(data):
    _only_our_error(parse_return_document, data)
    _only_our_error(lambda d: parse_returns(d, "application/xml"), data)
    _only_our_error(lambda d: parse_deposits(d, "application/json"), data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(EXAMPLES) - 1),
    cut=st.floats(0, 1),
    junk=st.binary(max_size=8),
)
def test_truncated_or_spliced_examples_raise_only_return_parse_error(index, cut, junk):
    document = EXAMPLES[index]
    at = int(len(document) * cut)
    _only_our_error(parse_return_document, document[:at])
    _only_our_error(parse_return_document, document[:at] + junk + document[at + len(junk) :])
