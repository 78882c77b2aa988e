"""Every official example return parses into its model with the values the file carries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from coursier.models.returns.rapport import (
    CrmFctu,
    CrmFinancier,
    CrmNominatif,
    CrmTauxSurTaux,
    Rapport,
    ReturnParseError,
    parse_crm_fctu,
    parse_crm_financier,
    parse_crm_nominatif,
    parse_crm_taux_sur_taux,
    parse_rapport,
    parse_return_document,
)
from coursier.models.returns.xml import PARIS
from tests.models.returns.files import all_examples, bilans_schema, example, neores_schema

PARSERS = {
    "Exemple-93-DGFIP-crm-financier.xml": CrmFinancier,
    "Exemple-94-DGFIP-crm-nominatif-ntt.xml": CrmNominatif,
    "Exemple-94-DGFIP-crm-nominatif.xml": CrmNominatif,
    "exemple_retour_10_AEE.xml": Rapport,
    "exemple_retour_10_ARE.xml": Rapport,
    "exemple_retour_11_BAN.xml": Rapport,
    "exemple_retour_11_CCO.xml": Rapport,
    "exemple_retour_135_CRM_FCTU_FRANCE_TRAVAIL_ANO.xml": CrmFctu,
    "exemple_retour_20_BIS_evenement.xml": Rapport,
    "exemple_retour_20_BIS_mensuelle.xml": Rapport,
    "exemple_retour_21_AED.xml": Rapport,
    "exemple_retour_95_CRM_DGFIP_TAUX_SUR_TAUX_OK.xml": CrmTauxSurTaux,
}


def test_every_example_is_covered_and_valid_against_its_schema():
    names = {p.name for p in all_examples()}
    assert names == set(PARSERS)
    for path in all_examples():
        xsd = neores_schema() if "135" in path.name else bilans_schema()
        assert xsd.validate(etree.fromstring(path.read_bytes())), (path.name, xsd.error_log)


@pytest.mark.parametrize(("name", "model"), sorted(PARSERS.items()))
def test_dispatch_gives_the_specific_model(name, model):
    assert type(parse_return_document(example(name))) is model


def test_aee():
    aee = parse_rapport(example("exemple_retour_10_AEE.xml"))
    assert aee.type == "AEE"
    assert aee.nature == "10"
    assert aee.idflux == "WSaah7AQlUpYL5RsQssseG."
    assert aee.sender_siret == aee.declarant_siret == "41027602600029"
    assert aee.state == "OK"
    assert aee.is_ok
    assert aee.overall_state == "OK"
    assert aee.received_at == datetime(2015, 2, 10, 11, 2, 59, tzinfo=PARIS)
    assert aee.declarations == ()
    assert aee.messages() == []


def test_are_has_the_envoi_level_rejection_code():
    are = parse_rapport(example("exemple_retour_10_ARE.xml"))
    assert are.idflux == "UR5WJEBA5T74R4jNmCgvm1F"
    assert are.state == "KO"
    assert not are.is_ok
    assert are.overall_state == "KO"
    [anomaly] = are.anomalies
    assert anomaly.code == "B1-105-15"
    assert anomaly.category == "bloquant"  # no categorie in an ARE: KO makes it blocking
    assert anomaly.message == "Le format du fichier depot_mtom n'est pas reconnu."
    assert are.blocking_count == 1
    assert are.messages() == [
        "Bloquant B1-105-15 : Le format du fichier depot_mtom n'est pas reconnu."
    ]


def test_ban():
    ban = parse_rapport(example("exemple_retour_11_BAN.xml"))
    assert (ban.type, ban.nature, ban.state) == ("BAN", "11", "KO")
    [anomaly] = ban.anomalies
    assert anomaly.code == "CSL-01"
    assert anomaly.is_blocking
    assert anomaly.field == "S10.G00.00.002"
    assert anomaly.value == "HistoM-1_MtoM-7338-AR"
    assert anomaly.line == 2
    assert anomaly.message.startswith("La rubrique S10.G00.00.002 est plus longue que la longueur ")
    assert "\n" not in anomaly.message
    assert "  " not in anomaly.message
    [declaration] = ban.declarations
    assert declaration.rank == "1"
    assert declaration.nature == "01"
    assert declaration.type == "03"
    assert (declaration.siren, declaration.nic, declaration.month) == (
        "300431533",
        "00037",
        "01012015",
    )
    assert declaration.state == "KO"
    assert declaration.employees == 1
    assert not ban.is_ok
    assert "ligne 2" in ban.messages()[0]


def test_cco():
    cco = parse_rapport(example("exemple_retour_11_CCO.xml"))
    assert (cco.type, cco.idflux, cco.state) == ("CCO", "UR5WJEBAhi54RcZN8Lur71F", "OK")
    assert cco.is_ok
    assert cco.overall_state == "OK"
    assert cco.blocking_count == 0
    [declaration] = cco.declarations
    assert (declaration.siren, declaration.nic, declaration.state) == ("732829320", "01691", "OK")
    assert cco.received_at is None
    assert cco.filename == "OK.dsn"


def test_bis_event_rejects_an_unknown_employee():
    bis = parse_rapport(example("exemple_retour_20_BIS_evenement.xml"))
    assert bis.type == "20"
    assert bis.nature == "20"
    assert bis.state == "OK"
    assert not bis.is_ok
    [declaration] = bis.declarations
    assert declaration.state == "KO"
    assert declaration.nature == "04"
    [anomaly] = declaration.anomalies
    assert (anomaly.code, anomaly.category, anomaly.message) == (
        "I0320",
        "bloquant",
        "SALARIE_INCONNU",
    )
    assert (anomaly.nir, anomaly.ntt, anomaly.payroll_number) == (
        "1700102889999",
        "1700102722136",
        "0002",
    )
    assert bis.message.startswith("Votre déclaration a été rejetée")


def test_bis_monthly_keeps_the_declared_identity_not_the_reference_one():
    bis = parse_rapport(example("exemple_retour_20_BIS_mensuelle.xml"))
    [declaration] = bis.declarations
    assert declaration.month == "01012014"
    assert declaration.employees == 6
    assert [a.code for a in declaration.anomalies] == ["I0310"] * 4 + ["I0320"]
    assert declaration.anomalies[0].nir == "1200125463001"  # origine DSN, not SNGI's ...006
    assert bis.is_ok
    assert bis.overall_state == "ANO"


def test_aed():
    aed = parse_rapport(example("exemple_retour_21_AED.xml"))
    assert aed.nature == "21"
    assert aed.idflux == "IdrNumFlux"
    assert aed.blocking_count == 4
    codes = [a.code for a in aed.declarations[0].anomalies]
    assert codes == ["Flux Dsn", "Flux Dsn", "Flux Dsn", "Rémunération"]


def test_crm_financier():
    crm = parse_crm_financier(example("Exemple-93-DGFIP-crm-financier.xml"))
    assert crm.idflux == "41358177C5AD6C0000000000"
    assert crm.state == "KO"
    assert not crm.is_ok
    assert (crm.siren, crm.nic, crm.rank, crm.business_id) == (
        "456789123",
        "54321",
        "23",
        "DECEMBRE-2018",
    )
    [anomaly] = crm.anomalies
    assert anomaly.code == "CBS03"
    assert anomaly.field == "S21.G00.20.004"
    assert anomaly.value == "FR90 3029 4000 0154 6329 1G03 065"
    assert crm.messages()[0].startswith("Bloquant CBS03 : La DGFiP ne peut pas prendre en compte")


@pytest.mark.parametrize(
    ("name", "nir", "ntt"),
    [
        ("Exemple-94-DGFIP-crm-nominatif.xml", "9999999999999", None),
        ("Exemple-94-DGFIP-crm-nominatif-ntt.xml", None, "9999999999999"),
    ],
)
def test_crm_nominatif(name, nir, ntt):
    crm = parse_crm_nominatif(example(name))
    assert crm.rate_id == "123456789123456789"
    assert crm.idflux == "41358177C5AD6C0000000000"
    assert (crm.siren, crm.nic, crm.state) == ("456789123", "54321", "OK")
    [rate] = crm.rates
    assert (rate.nir, rate.ntt, rate.payroll_number) == (nir, ntt, "MAT00009825")
    assert rate.rate == Decimal("14.00")
    assert rate.future_rate is None
    [anomaly] = crm.anomalies
    assert (anomaly.code, anomaly.category, anomaly.value) == ("ADR05", "non-bloquant", "Bordeau")
    assert (anomaly.nir, anomaly.ntt, anomaly.payroll_number) == (nir, ntt, "MAT00029643")
    assert "grilles de taux par défaut" in crm.message


def test_crm_taux_sur_taux_normalises_field_ids():
    crm = parse_crm_taux_sur_taux(example("exemple_retour_95_CRM_DGFIP_TAUX_SUR_TAUX_OK.xml"))
    assert (crm.identifier, crm.idflux, crm.state) == ("32", "F1pQnoF8xVQc70EZkDU6b14", "OK")
    assert (crm.siren, crm.nic) == ("820657211", "00018")
    assert [d.nir for d in crm.discrepancies] == ["1260699999999", "2260675999999"]
    first = crm.discrepancies[0]
    assert first.code == "TST01"
    assert first.applied_rate == Decimal("20.00")
    assert first.amount_withheld == Decimal("100.00")
    assert first.paid_on == date(2025, 8, 31)
    assert first.payment_number == "49"
    assert crm.anomalies[0].field == "S21.G00.50.006"
    assert ("S21.G00.50.009", "100.00") in crm.anomalies[0].related


def test_crm_fctu_neores():
    crm = parse_crm_fctu(example("exemple_retour_135_CRM_FCTU_FRANCE_TRAVAIL_ANO.xml"))
    assert crm.idflux == "F1xGK3X.C-.wayM98pOcSJm"
    assert crm.norm_version == "P26V01"
    assert (crm.sender_siret, crm.declared_siret) == ("40059882700014", "41040946000459")
    assert (crm.return_id, crm.return_code, crm.organisation) == ("140621", "135", "France Travail")
    assert crm.produced_at == datetime(2026, 5, 27, 16, 8, 29, tzinfo=PARIS)
    assert crm.state == "ANO"
    assert not crm.is_ok
    [action] = crm.actions
    assert action.code == "FT0013"
    assert action.result == "01"
    assert (
        action.help_url == "https://net-entreprises.custhelp.com/app/answers/detail_dsn/a_id/1264"
    )
    assert action.expected_action.startswith("Veuillez vérifier la cohérence")
    [detail] = action.details
    assert (detail.period_start, detail.period_end) == (date(2026, 1, 1), date(2026, 2, 28))
    [person] = detail.individuals
    assert (person.nir, person.family_name, person.contract_number) == (
        "1961068224024",
        "MARTIN",
        "Contrat 2",
    )
    assert person.contract_start == date(2026, 1, 1)
    assert person.birth_date == "1996-10-30"
    [field] = detail.fields
    assert (field.field, field.declared, field.suggested) == (
        "S21.G00.63.002",
        "2026-02-27",
        "2026-03-01",
    )
    assert crm.messages()[0].startswith("FT0013 : Détection d'une incohérence")


@pytest.mark.parametrize(
    ("parser", "name"),
    [
        (parse_crm_nominatif, "Exemple-93-DGFIP-crm-financier.xml"),
        (parse_crm_financier, "exemple_retour_10_AEE.xml"),
        (parse_crm_taux_sur_taux, "Exemple-94-DGFIP-crm-nominatif.xml"),
        (parse_rapport, "exemple_retour_135_CRM_FCTU_FRANCE_TRAVAIL_ANO.xml"),
        (parse_crm_fctu, "exemple_retour_11_CCO.xml"),
    ],
)
def test_a_specific_parser_refuses_another_document(parser, name):
    with pytest.raises(ReturnParseError):
        parser(example(name))
