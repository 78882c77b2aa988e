"""The writer's documents are valid against the official schema and read back unchanged."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursier.models.returns import writer
from coursier.models.returns.rapport import (
    PasRate,
    ReturnAnomaly,
    parse_crm_financier,
    parse_crm_nominatif,
    parse_rapport,
)
from coursier.models.returns.xml import PARIS
from tests.models.returns.files import assert_valid, bilans_schema

ENVOI = writer.EnvoiIdentity(
    idflux="F1xGK3X.C-.wayM98pOcSJm",
    sender_siret="73282932001691",
    declarant_siret="99900000300015",
    declarant_name="declarant",
    declarant_first_name="declarant",
    received_at=datetime(2026, 10, 5, 9, 30, 12, tzinfo=PARIS),
    norm_version="P26V01",
    test_or_real="02",
)
DECLARATION = writer.DeclarationIdentity(
    siren="732829320", nic="01691", nature="01", month="01102026", employees=2
)
BLOCKING = ReturnAnomaly(
    code="CCH-010",
    category="bloquant",
    message="Le NIR 1850575123456 n'a pas une clé valide.",
    field="S21.G00.30.001",
    value="1850575123456",
    nir="1850575123456",
    payroll_number="M000001",
    line=42,
)
NON_BLOCKING = ReturnAnomaly(
    code="CST-901",
    category="non-bloquant",
    message="Fichier d'essai.",
    field="S10.G00.00.005",
    value="01",
    related=(("S10.G00.00.006", "P26V01"),),
)


def test_aee_round_trip():
    document = writer.write_aee(ENVOI)
    assert_valid(document, bilans_schema())
    aee = parse_rapport(document)
    assert (aee.type, aee.idflux, aee.state) == ("AEE", ENVOI.idflux, "OK")
    assert aee.received_at == ENVOI.received_at
    assert aee.declarant_siret == "99900000300015"
    assert aee.sender_siret == "73282932001691"


def test_are_round_trip():
    rejection = ReturnAnomaly("B1-105-15", "bloquant", "Le format du fichier n'est pas reconnu.")
    document = writer.write_are(ENVOI, [rejection])
    assert_valid(document, bilans_schema())
    are = parse_rapport(document)
    assert are.type == "ARE"
    assert are.state == "KO"
    assert are.anomalies == (rejection,)


def test_ban_round_trip():
    document = writer.write_bilan("BAN", ENVOI, DECLARATION, [BLOCKING, NON_BLOCKING])
    assert_valid(document, bilans_schema())
    ban = parse_rapport(document)
    assert ban.type == "BAN"
    assert ban.state == "KO"
    assert not ban.is_ok
    [declaration] = ban.declarations
    assert declaration.anomalies == (BLOCKING, NON_BLOCKING)
    assert (declaration.siren, declaration.nic, declaration.month) == (
        "732829320",
        "01691",
        "01102026",
    )
    assert declaration.state == "KO"
    assert declaration.employees == 2
    assert declaration.rank == "1"


def test_cco_with_non_blocking_anomalies_is_ano():
    document = writer.write_bilan("CCO", ENVOI, DECLARATION, [NON_BLOCKING])
    assert_valid(document, bilans_schema())
    cco = parse_rapport(document)
    assert cco.is_ok
    assert cco.overall_state == "ANO"
    assert cco.declarations[0].anomalies == (NON_BLOCKING,)
    assert parse_rapport(writer.write_bilan("CCO", ENVOI, DECLARATION)).overall_state == "OK"


def test_inconsistent_bilans_are_refused():
    with pytest.raises(ValueError, match="BAN"):
        writer.write_bilan("CCO", ENVOI, DECLARATION, [BLOCKING])
    with pytest.raises(ValueError, match="BAN ou CCO"):
        writer.write_bilan("AEE", ENVOI, DECLARATION)  # type: ignore[arg-type]


RATES = [
    PasRate("1850575123456", None, "M000001", Decimal("7.50"), Decimal("8.10"), date(2026, 12, 1)),
    PasRate(None, "23330001809", "M000002", Decimal("0.00")),
]


def test_crm_nominatif_round_trip():
    document = writer.write_crm_nominatif(ENVOI, DECLARATION, "123456789012345678", RATES)
    assert_valid(document, bilans_schema())
    crm = parse_crm_nominatif(document)
    assert crm.rate_id == "123456789012345678"
    assert crm.rates == tuple(RATES)
    assert (crm.siren, crm.nic, crm.month, crm.idflux) == (
        "732829320",
        "01691",
        "01102026",
        ENVOI.idflux,
    )


def test_crm_nominatif_needs_an_identity_per_rate():
    with pytest.raises(ValueError, match="NIR ou à un NTT"):
        writer.write_crm_nominatif(ENVOI, DECLARATION, "1" * 18, [PasRate(None, None, "M1", None)])


def test_crm_financier_round_trip():
    ok = writer.write_crm_financier(ENVOI, DECLARATION)
    assert_valid(ok, bilans_schema())
    assert parse_crm_financier(ok).is_ok
    refused = ReturnAnomaly(
        "CBS03", "bloquant", "Prélèvement SEPA invalide.", "S21.G00.20.004", "FR76"
    )
    ko = writer.write_crm_financier(ENVOI, DECLARATION, [refused])
    assert_valid(ko, bilans_schema())
    crm = parse_crm_financier(ko)
    assert crm.state == "KO"
    assert crm.anomalies == (refused,)


WORDS = (
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F), min_size=1, max_size=30
    )
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)


@given(
    code=WORDS,
    message=WORDS,
    value=WORDS,
    blocking=st.booleans(),
    nir=st.none() | st.from_regex(r"[12]\d{12}", fullmatch=True),
    line=st.none() | st.integers(1, 10**6),
)
def test_any_anomaly_round_trips_through_a_ban(code, message, value, blocking, nir, line):
    anomaly = ReturnAnomaly(
        code=code,
        category="bloquant" if blocking else "non-bloquant",
        message=message,
        field="S21.G00.40.007",
        value=value,
        nir=nir,
        payroll_number="M1" if nir else None,
        line=line,
    )
    document = writer.write_bilan("BAN", ENVOI, DECLARATION, [anomaly])
    assert parse_rapport(document).declarations[0].anomalies == (anomaly,)
