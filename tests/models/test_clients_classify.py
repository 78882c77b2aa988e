"""Normalisation and classification of a client import, on small hand-made sets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from coursier.models.clients_classify import classify
from coursier.models.clients_normalise import RAW_COLUMNS, normalise, normalise_sides


def nn(yymmdd: str, counter: int, born_2000: bool = False) -> str:
    """A valid national register (or BIS, month + 20/40) number."""
    base = f"{yymmdd}{counter:03d}"
    return base + f"{97 - int(('2' if born_2000 else '') + base) % 97:02d}"


DUPONT = nn("850730", 33)
BIS = nn("854730", 33)  # BIS: month + 40, same birth date as DUPONT
YOUNG = nn("050315", 12, born_2000=True)
PARTNER = nn("870214", 42)


def raw(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c) for c in RAW_COLUMNS} for row in rows], columns=RAW_COLUMNS)


def person(source_id: str, **fields) -> dict:
    base = {
        "source_id": source_id,
        "last_name": "Dupont",
        "first_name": "Jean",
        "email": f"{source_id}@example.be",
        "language": "fr",
    }
    return base | fields


def run(imported: list[dict], accounton: list[dict]):
    return classify(normalise(raw(*imported)), normalise(raw(*accounton)))


def ids(frame: pd.DataFrame, column: str = "source_id") -> set[str]:
    return set(frame[column])


# --- normalisation ---------------------------------------------------------------------------


def test_normalise_keeps_display_and_compares_folded() -> None:
    frame = normalise(
        raw(
            person(
                "a",
                last_name="  Van  den   Bossche ",
                first_name="Hélène",
                email="Helene.VDB@Example.BE",
                national_number="85.07.30-033.28",
                language="Nederlands",
            )
        )
    )
    row = frame.iloc[0]
    assert row["last_name"] == "Van den Bossche"
    assert row["first_name"] == "Hélène"
    assert row["name_key"] == "van den bossche|helene"
    assert row["email"] == "Helene.VDB@example.be"
    assert row["email_key"] == "helene.vdb@example.be"
    assert row["national_number"] == DUPONT
    assert row["nn_type"] == "nn"
    assert row["birth_date"] == date(1985, 7, 30)
    assert row["language"] == "NL"
    assert pd.isna(row["problem"])


def test_bis_number_and_number_born_after_2000_are_valid() -> None:
    frame = normalise(raw(person("a", national_number=BIS), person("b", national_number=YOUNG)))
    assert list(frame["nn_type"]) == ["bis", "nn"]
    assert list(frame["birth_date"]) == [date(1985, 7, 30), date(2005, 3, 15)]
    assert frame["problem"].isna().all()
    # the same digits read as born before 2000 fail their key
    before_2000 = YOUNG[:9] + f"{97 - int(YOUNG[:9]) % 97:02d}"
    assert before_2000 != YOUNG
    assert normalise(raw(person("c", national_number=YOUNG[:9] + "00"))).iloc[0]["problem"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"last_name": "  "}, "nom manquant"),
        ({"email": None}, "e-mail manquant"),
        ({"email": "jean.dupont@"}, "e-mail invalide"),
        ({"email": "jean dupont@example.be"}, "e-mail invalide"),
        ({"national_number": "85073003329"}, "numéro de registre national invalide"),
        ({"national_number": "8507300332"}, "numéro de registre national invalide"),
        ({"partner_national_number": "12345678901"}, "partenaire invalide"),
        ({"language": "klingon"}, "langue inconnue"),
    ],
)
def test_invalid_records_say_why(fields: dict, reason: str) -> None:
    result = run([person("a", **fields), person("b")], [])
    assert ids(result.invalid) == {"a"}
    assert reason in result.invalid.iloc[0]["reason"]
    assert ids(result.new) == {"b"}


def test_missing_language_is_not_a_problem() -> None:
    frame = normalise(raw(person("a", language=None)))
    assert pd.isna(frame.iloc[0]["language"])
    assert pd.isna(frame.iloc[0]["problem"])


# --- classes ---------------------------------------------------------------------------------


def test_five_classes_on_one_set() -> None:
    result = run(
        [
            person("new", national_number=YOUNG),
            person("dup", national_number=DUPONT, first_name="Jean-Marie"),
            person("bad", email="not-an-email"),
            person("maybe", last_name="Martin", national_number=nn("900101", 5)),
        ],
        [
            person("acc-dup", national_number=DUPONT),
            person("acc-old", last_name="Ancien", national_number=nn("700101", 7)),
            person("acc-maybe", last_name="Martin", national_number=nn("904101", 9)),
        ],
    )
    assert ids(result.new) == {"new"}
    assert ids(result.duplicates, "import_id") == {"dup"}
    assert ids(result.invalid) == {"bad"}
    assert ids(result.possible, "import_id") == {"maybe"}
    assert ids(result.possible, "other_id") == {"acc-maybe"}
    assert ids(result.only_in_accounton) == {"acc-old"}


def test_duplicate_diff_says_what_changes_and_what_stays() -> None:
    result = run(
        [person("i", national_number=DUPONT, first_name="Jean-Marie", language="NL")],
        [person("a", national_number=DUPONT, email="i@example.be")],
    )
    diff = result.diff.set_index("field")
    assert set(diff.index[diff["changed"]]) == {"first_name", "language"}
    assert diff.loc["first_name", "old"] == "Jean"
    assert diff.loc["first_name", "new"] == "Jean-Marie"
    assert diff.loc["language", "old"] == "FR"
    assert diff.loc["language", "new"] == "NL"
    assert not diff.loc["last_name", "changed"]
    assert not diff.loc["email", "changed"]
    assert result.duplicates.iloc[0]["changed"] == "first_name, language"
    assert result.duplicates.iloc[0]["matched_on"] == "numéro national"


def test_email_differing_only_in_case_matches_and_changes_nothing() -> None:
    result = run(
        [person("i", email="Jean.Dupont@Example.be", last_name="DUPONT")],
        [person("a", email="jean.dupont@example.BE")],
    )
    assert ids(result.duplicates, "import_id") == {"i"}
    assert result.duplicates.iloc[0]["matched_on"] == "e-mail"
    assert not result.diff["changed"].any()
    assert result.new.empty
    assert result.only_in_accounton.empty


def test_null_national_numbers_on_both_sides_do_not_match() -> None:
    result = run([person("i", email="one@example.be")], [person("a", email="two@example.be")])
    assert result.duplicates.empty
    assert ids(result.new) == {"i"}
    assert ids(result.only_in_accounton) == {"a"}


def test_same_client_twice_in_the_import_is_invalid() -> None:
    result = run(
        [
            person("i1", national_number=DUPONT),
            person("i2", national_number=DUPONT, email="other@example.be"),
            person("i3", email="Same@example.be"),
            person("i4", email="same@EXAMPLE.be", first_name="Marc"),
            person("i5"),
        ],
        [person("a", national_number=DUPONT)],
    )
    assert ids(result.invalid) == {"i1", "i2", "i3", "i4"}
    reasons = result.invalid.set_index("source_id")["reason"]
    assert "deux fois" in reasons["i1"]
    assert "i1, i2" in reasons["i1"]
    assert result.duplicates.empty
    assert ids(result.new) == {"i5"}
    assert ids(result.only_in_accounton) == {"a"}


def test_joint_return_is_one_client() -> None:
    result = run(
        [
            person("main", national_number=DUPONT, partner_national_number=PARTNER),
            person(
                "partner",
                first_name="Marie",
                email="main@example.be",
                national_number=PARTNER,
                partner_national_number=DUPONT,
            ),
        ],
        [],
    )
    # both name each other, share their e-mail: one client, carried by the smaller number
    assert ids(result.new) == {"main"}
    assert result.joint.to_dict("records") == [{"import_id": "partner", "joint_of": "main"}]
    assert result.invalid.empty
    assert result.possible.empty


def test_joint_return_matches_accounton_under_the_partner_number() -> None:
    result = run(
        [person("i", national_number=DUPONT, partner_national_number=PARTNER)],
        [person("a", national_number=PARTNER, partner_national_number=DUPONT)],
    )
    assert list(result.duplicates["matched_on"]) == ["numéro du partenaire"]
    assert result.new.empty
    assert result.only_in_accounton.empty


def test_same_email_under_two_numbers_is_only_possible() -> None:
    result = run(
        [person("i", email="x@example.be", national_number=YOUNG)],
        [person("a", email="x@example.be", national_number=DUPONT)],
    )
    assert result.duplicates.empty
    assert result.new.empty
    assert result.possible.iloc[0].to_dict() == {
        "import_id": "i",
        "other_id": "a",
        "other_side": "accounton",
        "reason": "même e-mail sous deux numéros nationaux",
    }
    assert result.only_in_accounton.empty


def test_same_name_and_birth_date_under_nn_and_bis_is_possible() -> None:
    result = run(
        [person("i", last_name="DUPONT", national_number=BIS)],
        [person("a", national_number=DUPONT, email="other@example.be")],
    )
    assert list(result.possible["reason"]) == ["même nom et même date de naissance"]
    assert result.new.empty
    assert result.duplicates.empty


def test_email_under_a_number_matches_a_customer_without_one() -> None:
    result = run([person("i", national_number=DUPONT)], [person("a", email="I@example.be")])
    assert ids(result.duplicates, "import_id") == {"i"}
    diff = result.diff.set_index("field")
    assert diff.loc["national_number", "changed"]
    assert pd.isna(diff.loc["national_number", "old"])


def test_import_value_missing_never_blanks_accounton() -> None:
    result = run(
        [person("i", national_number=DUPONT, language=None)],
        [person("a", national_number=DUPONT, email="i@example.be", language="de")],
    )
    assert not result.diff["changed"].any()


def test_every_imported_record_lands_in_one_class() -> None:
    def numbered(prefix: str, k: int) -> dict:
        return person(f"{prefix}{k}", last_name=f"Nom {k}", national_number=nn("800101", k))

    imported = [numbered("i", k) for k in range(1, 40)]
    imported += [person("x1", email="bad"), person("x2", national_number=DUPONT)]
    accounton = [numbered("a", k) for k in range(20, 60)]
    result = run(imported, accounton)
    classes = [
        ids(result.new),
        ids(result.duplicates, "import_id"),
        ids(result.invalid),
        ids(result.possible, "import_id"),
    ]
    assert sum(len(c) for c in classes) == len(imported)
    assert set().union(*classes) == {row["source_id"] for row in imported}
    assert len(result.duplicates) == 20
    assert len(result.only_in_accounton) == 20


JUNK = [
    None,
    "",
    "   ",
    "\x00",
    "é" * 300,
    "<script>",
    "12345678901234567890",
    "@@",
    "a@b",
    "x@" + "a" * 300 + ".be",
    "85.07.30-033.28",
    "BE0403170701",
    "\u202e",
    "nl",
    "0",
]


def test_junk_in_every_column_is_classified_never_raises() -> None:
    import itertools
    import random

    rng = random.Random(3)
    rows = []
    for k in range(300):
        row = {column: rng.choice(JUNK) for column in RAW_COLUMNS}
        row["source_id"] = f"j{k}"
        rows.append(row)
    imported = raw(*rows)
    accounton = raw(
        *(dict(r, source_id=f"a{k}") for k, r in enumerate(itertools.islice(rows, 150)))
    )
    result = classify(normalise(imported), normalise(accounton))
    landed = (
        set(result.new["source_id"])
        | set(result.duplicates["import_id"])
        | set(result.invalid["source_id"])
        | set(result.possible["import_id"])
        | set(result.joint["import_id"])
    )
    assert landed == {r["source_id"] for r in rows}
    sizes = (
        len(result.new),
        len(result.duplicates),
        len(result.invalid),
        result.possible["import_id"].nunique(),
        len(result.joint),
    )
    assert sum(sizes) == len(rows)  # each record in exactly one class
    assert result.invalid["reason"].notna().all()


def test_both_sides_normalised_at_once_are_each_as_alone() -> None:
    imported = raw(person("a", national_number=DUPONT), person("b", email="B@Example.be"))
    accounton = raw(person("x", national_number=DUPONT), person("y", email="bad"))
    mine, theirs = normalise_sides(imported, accounton)
    pd.testing.assert_frame_equal(mine, normalise(imported))
    pd.testing.assert_frame_equal(theirs, normalise(accounton))
