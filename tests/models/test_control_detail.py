"""The detail of a deposit's returns, read from the official example returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from coursier.models.control import control_rows
from coursier.models.control_advice import next_step
from coursier.models.control_detail import return_detail, self_check_anomalies
from tests.models.returns.files import example
from tests.models.test_deposits import FakeDeposit

AT = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


@dataclass
class Stored:
    nature: str
    content: bytes | None
    status: str = "OK"
    published_at: datetime | None = AT
    version: int = 1


def test_a_bilan_gives_code_severity_rubrique_value_and_line():
    detail = return_detail(Stored("11", example("exemple_retour_11_BAN.xml"), "KO"))
    assert (detail.label, detail.status, detail.readable) == (
        "Bilan d'anomalies (BAN/CCO)",
        "KO",
        "oui",
    )
    first = detail.anomalies[0]
    assert (first.code, first.blocking, first.field, first.value, first.line) == (
        "CSL-01",
        True,
        "S10.G00.00.002",
        "HistoM-1_MtoM-7338-AR",
        2,
    )
    assert first.source_label == "Bilan d'anomalies (BAN/CCO)"


@pytest.mark.parametrize(
    ("name", "nir", "ntt"),
    [
        ("Exemple-94-DGFIP-crm-nominatif.xml", "9999999999999", None),
        ("Exemple-94-DGFIP-crm-nominatif-ntt.xml", None, "9999999999999"),
    ],
)
def test_a_crm_names_the_employee(name, nir, ntt):
    [anomaly, *_] = return_detail(Stored("94", example(name))).anomalies
    assert (anomaly.code, anomaly.blocking) == ("ADR05", False)
    assert (anomaly.nir, anomaly.ntt, anomaly.payroll_number) == (nir, ntt, "MAT00029643")
    assert (anomaly.field, anomaly.value) == ("S21.G00.30.010", "Bordeau")
    person = f"NIR {nir}" if nir else f"NTT {ntt}"
    assert f"(S21.G00.30.010 = « Bordeau » ; salarié {person}, matricule MAT00029643)" in (
        anomaly.describe()
    )


def test_a_crm_fctu_says_what_france_travail_expects():
    detail = return_detail(
        Stored("135", example("exemple_retour_135_CRM_FCTU_FRANCE_TRAVAIL_ANO.xml"))
    )
    [anomaly] = detail.anomalies
    assert (anomaly.code, anomaly.blocking, anomaly.field) == ("FT0013", False, "S21.G00.63.002")
    assert (anomaly.value, anomaly.nir) == ("2026-02-27", "1961068224024")
    assert "annule et remplace" in anomaly.todo
    assert "ALLILAIRE" in anomaly.message


def test_an_aer_is_a_document_and_garbage_is_said_unreadable():
    assert return_detail(Stored("44", b"%PDF-1.4")).readable == "document"
    garbage = return_detail(Stored("11", b"<pas du xml"))
    assert (garbage.readable, garbage.anomalies) == ("non", [])
    assert return_detail(Stored("10", None)).readable == "non"


def test_self_check_anomalies_come_from_the_ledger_as_stored():
    [anomaly] = self_check_anomalies(
        [{"severity": "non-blocking", "code": "CCH-040", "field": None, "line": 4, "message": "m"}]
    )
    assert (anomaly.source, anomaly.blocking, anomaly.line) == ("autocontrôle", False, 4)


def test_rows_carry_their_returns_and_every_anomaly():
    deposit = FakeDeposit(id=7, state="rejected", nature="01", anomalies=[])
    returns = {
        7: [
            Stored("10", example("exemple_retour_10_AEE.xml")),
            Stored("11", example("exemple_retour_11_BAN.xml"), "KO"),
        ]
    }
    [row] = control_rows([deposit], returns)
    assert [r.nature for r in row.returns] == ["10", "11"]
    assert row.anomalies[0].code == "CSL-01"
    step = next_step(row)
    assert step.startswith("refusée par la plateforme, ")
    assert "CSL-01" in step
    assert "déposez-le à nouveau" in step


BLOCKING = {"severity": "blocking", "code": "CCH-011", "field": "F", "line": 9, "message": "m"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (dict(state="accepted"), None),
        (dict(state="deposited"), None),
        (dict(state="not_sent"), None),
        (dict(state="blocked", anomalies=[BLOCKING]), "corrigez 1 anomalie(s) bloquante(s)"),
        (dict(state="refused", message="Le SIRET déclaré …"), "Le SIRET déclaré …"),
        (dict(state="anomalies"), "contrôlez ses comptes-rendus : coursier dsn returns show F1"),
        (dict(state="not_deposited_m2m"), "déposez-la sur net-entreprises.fr"),
    ],
)
def test_the_next_step_of_each_state(changes, expected):
    [row] = control_rows([FakeDeposit(**changes)])
    step = next_step(row)
    if expected is None:
        assert step is None
    else:
        assert expected in step
