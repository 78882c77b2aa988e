"""Cegid Flow's pure logic: the prerequisites checklist, the company head as a contact, the
change stream compared (an edit is a delete then an insert) and the replay windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coursier.models import cegid_changes, cegid_contact, cegid_prerequisites
from coursier.sandbox.cegid_loop_seed import BREAKAGES, SEEDED, build_dossier

CODES_BY_BREAKAGE = {
    "no-bank-account": ["no_bank_account"],
    "bad-iban": ["invalid_iban"],
    "bad-bic": ["invalid_bic"],
    "general-account-missing": ["general_account_missing"],
    "general-account-unlinked": ["general_account_unlinked"],
    "no-bank-journal": ["no_bank_journal"],
}


def test_the_seeded_portfolio_has_a_dossier_for_every_breakage_and_ready_ones():
    breakages = [s.breakage for s in SEEDED]
    assert sorted(b for b in breakages if b) == sorted(BREAKAGES)
    assert breakages.count(None) >= 3
    assert set(CODES_BY_BREAKAGE) <= set(BREAKAGES)


@pytest.mark.parametrize("spec", SEEDED, ids=lambda s: s.code)
def test_each_seeded_dossier_misses_exactly_its_prerequisite(spec):
    dossier = build_dossier(spec, 2026)
    problems = cegid_prerequisites.check(dossier.bank_accounts, dossier.accounts, dossier.journals)
    assert [p.code for p in problems] == CODES_BY_BREAKAGE.get(spec.breakage, [])
    for problem in problems:
        assert (
            "corrigez" in problem.message
            or "créez" in problem.message
            or ("liez" in problem.message or "paramétrez" in problem.message)
        )


def test_every_problem_of_a_bank_account_is_listed_with_its_iban():
    bank = {"libelle": "Courant", "iban": "FR76 0000", "bic": "XX", "compteGeneral": "512900"}
    problems = cegid_prerequisites.check([bank], [{"numero": "512000"}], [])
    assert [p.code for p in problems] == [
        "invalid_iban",
        "invalid_bic",
        "general_account_missing",
        "no_bank_journal",
    ]
    assert all("FR76 0000" in p.message for p in problems)


def test_a_general_account_outside_the_bank_class_is_not_a_bank_account():
    bank = build_dossier(SEEDED[0], 2026).bank_accounts[0] | {"compteGeneral": "411000"}
    journal = {"type": "BANQUE", "compteContrepartie": "411000"}
    problems = cegid_prerequisites.check([bank], [{"numero": "411000"}], [journal])
    assert [p.code for p in problems] == ["general_account_missing"]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("06 06 06 06 06", "06 06 06 06 06"),
        ("0707070707", "07 07 07 07 07"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("01 45 67 89 10", None),
        ("06 12 34 56", None),
        ("", None),
        ("+32 470 12 34 56", None),
    ],
)
def test_french_mobiles(number, expected):
    assert cegid_contact.french_mobile(number) == expected


HEAD = {
    "nom": "Dupont",
    "prenom": "Mathieu",
    "mobile": "06 06 06 06 06",
    "email": "Mathieu.Dupont@Example.fr",
}


def test_a_valid_head_becomes_the_contact_with_the_head_role():
    contact = cegid_contact.qualified(HEAD, "CCH001")
    assert contact["role"] == "Chef d'entreprise"
    assert contact["dossiers"] == ["CCH001"]
    assert contact["email"] == "Mathieu.Dupont@example.fr"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"email": "@.com"}, "e-mail « @.com » invalide"),
        ({"email": "dupont@"}, "e-mail"),
        ({"mobile": "01 45 67 89 10"}, "mobile français"),
        ({"nom": " "}, "nom du dirigeant absent"),
        ({"prenom": None}, "prénom du dirigeant absent"),
    ],
)
def test_an_invalid_head_says_what_to_fix(change, problem):
    with pytest.raises(cegid_contact.InvalidContact) as error:
        cegid_contact.qualified(HEAD | change, "CCH001")
    assert problem in str(error.value)


def test_the_contact_is_created_updated_or_left_alone():
    wanted = cegid_contact.qualified(HEAD, "CCH001")
    assert cegid_contact.plan_contact(wanted, []).action == "create"
    same = {**wanted, "id": "c1"}
    assert cegid_contact.plan_contact(wanted, [same]).action == "unchanged"
    older = {**wanted, "id": "c1", "mobile": "07 00 00 00 00", "dossiers": ["CCH002"]}
    plan = cegid_contact.plan_contact(wanted, [older])
    assert plan.action == "update"
    assert plan.contact_id == "c1"
    assert plan.changed == ("mobile", "dossiers")
    assert plan.contact["dossiers"] == ["CCH001", "CCH002"]


T0 = datetime(2026, 12, 2, 8, tzinfo=UTC)


def line(entity, id_, operation, at=T0):
    return (entity, id_, at.isoformat(), operation)


def message(entity, id_, event, update=False, at=T0):
    return (entity, id_, at.isoformat(), event, update)


def test_an_edited_entry_is_one_change_received_as_a_delete_then_an_insert():
    report = [line("EcritureComptable", "e1", "Updated"), line("Compte", "a1", "Updated")]
    messages = [
        message("EcritureComptable", "e1", "EcritureComptableDeleted", True),
        message("EcritureComptable", "e1", "EcritureComptableInserted"),
        message("Compte", "a1", "CompteUpdated"),
    ]
    result = cegid_changes.compare(report, messages)
    assert (result.expected, result.received, result.messages, result.edits) == (2, 2, 3, 1)
    assert result.missing == []


@pytest.mark.parametrize(
    "kept",
    [
        [message("EcritureComptable", "e1", "EcritureComptableDeleted", True)],
        [message("EcritureComptable", "e1", "EcritureComptableInserted")],
        [
            message("EcritureComptable", "e1", "EcritureComptableDeleted", False),
            message("EcritureComptable", "e1", "EcritureComptableInserted"),
        ],
        [message("EcritureComptable", "e1", "EcritureComptableUpdated")],
        [],
    ],
)
def test_an_edit_half_received_is_missing(kept):
    result = cegid_changes.compare([line("EcritureComptable", "e1", "Updated")], kept)
    assert [c.id for c in result.missing] == ["e1"]
    assert result.received == 0


def test_a_plain_delete_is_not_an_edits_delete():
    report = [line("EcritureComptable", "e2", "Deleted")]
    edit_half = [message("EcritureComptable", "e2", "EcritureComptableDeleted", True)]
    assert cegid_changes.compare(report, edit_half).received == 0
    plain = [message("EcritureComptable", "e2", "EcritureComptableDeleted")]
    assert cegid_changes.compare(report, plain).received == 1


def test_replays_cover_every_missing_change_in_windows_of_at_most_twenty_days():
    missing = [
        cegid_changes.Change("EcritureComptable", f"e{d}", T0 + timedelta(days=d), "Inserted")
        for d in (0, 5, 20, 21, 45)
    ] + [cegid_changes.Change("Compte", "a", T0 + timedelta(days=3), "Updated")]
    windows = cegid_changes.replays(missing)
    assert [(w.entity, w.changes) for w in windows] == [
        ("Compte", 1),
        ("EcritureComptable", 3),
        ("EcritureComptable", 1),
        ("EcritureComptable", 1),
    ]
    for window in windows:
        assert window.end - window.start <= timedelta(days=20)
    covered = sum(w.changes for w in windows)
    assert covered == len(missing)


def test_flows_statements_are_checked_against_the_banks_file():
    from datetime import date
    from decimal import Decimal

    from coursier.models import cfonb
    from coursier.models.cegid_statements import check_statements
    from coursier.sandbox.cegid_statements import bank_statements, shown_by_flow

    dossier = build_dossier(SEEDED[0], 2026)
    day = date(2026, 12, 1)
    bank = cfonb.parse(cfonb.write(bank_statements(dossier, day)))
    [same] = check_statements(bank, shown_by_flow(bank))
    assert same.matches
    [shifted] = check_statements(bank, shown_by_flow(bank, shift=Decimal("0.01")))
    assert [p.split(" :")[0] for p in shifted.problems] == ["nouveau solde"]
    [short] = check_statements(bank, shown_by_flow(bank, lose=1))
    assert any(p.startswith("mouvements") for p in short.problems)
    [absent] = check_statements(bank, [])
    assert absent.problems == ("relevé absent de Cegid Flow",)
