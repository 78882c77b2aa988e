"""The plan of a client import, its defaults and choices, and its file (Excel / CSV) read back
with the reviewer's edits; bad edits are errors naming the sheet, line and column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from coursier.models.clients_classify import classify
from coursier.models.clients_normalise import normalise
from coursier.models.clients_plan import ClientPlan, PlanSettings
from coursier.models.clients_plan_file import PlanFileError, read_plan, write_plan
from tests.models.test_clients_classify import DUPONT, YOUNG, person, raw

SETTINGS = PlanSettings(dossier="cab-001", source="adminpulse")


@pytest.fixture
def plan() -> ClientPlan:
    imported = raw(
        person("new", national_number=YOUNG, language=None),
        person("dup", national_number=DUPONT, first_name="Jean-Marie", language="nl"),
        person("bad", email="nope"),
    )
    accounton = raw(
        person("A1", national_number=DUPONT, email="dup@example.be"),
        person("A2", last_name="Ancien"),
    )
    return ClientPlan.of(SETTINGS, classify(normalise(imported), normalise(accounton)))


def test_defaults_add_every_new_client_and_overwrite_nothing(plan) -> None:
    assert plan.counts() == {
        "new": 1,
        "only_in_accounton": 1,
        "duplicates": 1,
        "duplicates_differing": 1,
        "invalid": 1,
        "possible": 0,
        "to_add": 1,
        "fields_to_overwrite": 0,
    }
    assert [c["import_id"] for c in plan.creates()] == ["new"]
    assert plan.creates()[0]["language"] == "FR"  # none given: the plan's language
    assert plan.updates() == {}
    assert plan.settings.send_invitations is False


def test_choices_select_clients_and_fields_that_differ_only(plan) -> None:
    chosen = plan.choose(add=set(), overwrite={"dup": {"first_name", "last_name"}}, language="NL")
    assert chosen.creates() == []
    assert chosen.updates() == {"A1": {"first_name": "Jean-Marie"}}  # last_name is the same
    assert chosen.settings.language == "NL"
    with pytest.raises(ValueError, match="language"):
        plan.choose(language="XX")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_file_round_trip_keeps_every_class_and_choice(plan, tmp_path: Path, suffix) -> None:
    chosen = plan.choose(overwrite={"dup": {"language"}}, questionnaire="ipp-nl")
    back = read_plan(write_plan(chosen, tmp_path / f"plan{suffix}"))
    assert back.settings == chosen.settings
    assert back.updates() == {"A1": {"language": "NL"}}
    assert [c["import_id"] for c in back.creates()] == ["new"]
    assert list(back.invalid["reason"]) == list(plan.invalid["reason"])
    assert list(back.invalid["email"]) == ["nope"]
    assert list(back.only_in_accounton["accounton_id"]) == ["A2"]
    assert back.counts() == chosen.counts()


def test_reviewer_edits_in_excel_are_read(plan, tmp_path: Path) -> None:
    path = write_plan(plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Nouveaux"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("ajouter") + 1, value="non")
    doubles = book["Doublons"]
    header = [c.value for c in doubles[1]]
    assert doubles.cell(row=2, column=header.index("nom (écraser)") + 1).value == "="
    assert doubles.cell(row=2, column=header.index("prénom (écraser)") + 1).value == "non"
    doubles.cell(row=2, column=header.index("prénom (écraser)") + 1, value="oui")
    settings = book["Réglages"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "send_invitations":
            row[1].value = "oui"
    book.save(path)
    back = read_plan(path)
    assert back.creates() == []
    assert back.updates() == {"A1": {"first_name": "Jean-Marie"}}
    assert back.settings.send_invitations is True


def test_a_bad_edit_names_the_sheet_line_and_column(plan, tmp_path: Path) -> None:
    path = write_plan(plan, tmp_path / "plan.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    line = table.index[table["feuille"] == "Doublons"][0]
    table.loc[line, "langue (écraser)"] = "peut-être"
    table.to_csv(path, index=False)
    with pytest.raises(PlanFileError) as caught:
        read_plan(path)
    message = str(caught.value)
    assert "Doublons" in message
    assert f"ligne {line + 2}" in message
    assert "langue (écraser)" in message
    assert "oui ou non" in message


def test_unreadable_or_foreign_files_say_what_to_do(tmp_path: Path) -> None:
    broken = tmp_path / "plan.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(PlanFileError, match="illisible"):
        read_plan(broken)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(PlanFileError, match="feuille"):
        read_plan(other)
    with pytest.raises(PlanFileError, match="introuvable"):
        read_plan(tmp_path / "absent.csv")
    bad_settings = tmp_path / "settings.csv"
    bad_settings.write_text("feuille,champ,import\nRéglages,dossier,x\nRéglages,source,sage\n")
    with pytest.raises(PlanFileError, match="source"):
        read_plan(bad_settings)
