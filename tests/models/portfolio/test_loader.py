"""Loading a portfolio file: CSV and YAML agree, and every problem is reported at once with
the file, the CSV line or YAML path, the field and what to do."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursier.models.portfolio import PortfolioError, load_portfolio
from tests.models.portfolio.samples import (
    ACME,
    ACME_LYON,
    ACME_NICE,
    ACME_PARIS,
    BETA_HQ,
    CSV,
    POSTE_SIRET,
    YAML,
)

HEADER = "directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform\n"


def problems(text: str, fmt: str = "csv") -> list[str]:
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(text, f"portefeuille.{fmt}", fmt)  # type: ignore[arg-type]
    assert str(caught.value) == "\n".join(map(str, caught.value.problems))
    return [str(p) for p in caught.value.problems]


def test_csv_and_yaml_describe_the_same_portfolio() -> None:
    from_csv = load_portfolio(CSV, "p.csv", "csv")
    assert from_csv == load_portfolio(YAML, "p.yaml", "yaml")
    nord, sud = from_csv.directories
    assert (nord.code, nord.name, sud.code) == ("CAB-NORD", "Cabinet Nord", "CAB-SUD")
    (acme,) = nord.companies
    assert acme.siren == ACME
    paris, south = acme.dossiers
    assert (paris.code, paris.sirets, paris.platform) == (
        "CCH_001",
        (ACME_PARIS,),
        "net-entreprises",
    )
    assert (south.sirets, south.platform) == ((ACME_LYON, ACME_NICE), "izilio")
    beta, poste = sud.companies
    assert beta.dossiers[0].platform == "net-entreprises"  # empty cell: the default
    assert poste.dossiers[0].sirets == (POSTE_SIRET,)  # La Poste's SIRET has no Luhn key


def test_excel_csv_with_bom_semicolons_crlf_and_spaced_identifiers_loads() -> None:
    text = "\ufeff" + CSV.replace(",", ";").replace("\n", "\r\n")
    text = text.replace(ACME_PARIS, "552 081 317 00018")
    assert load_portfolio(text, "p.csv", "csv") == load_portfolio(CSV, "p.csv", "csv")


def test_every_problem_of_a_csv_is_listed_with_its_line_and_column() -> None:
    text = HEADER + (
        f"CAB,Cabinet,{ACME},Acme,D1,Paris,{ACME_PARIS},net-entreprises\n"
        "CAB,Cabinet,552081318,Beta,D2,Lyon,55208131800017,net-entreprises\n"
        f"CAB,Cabinet,{ACME},Acme,D3,,5520813170001,minitel\n"
    )
    assert problems(text) == [
        "portefeuille.csv, ligne 3, champ siren : le SIREN '552081318' a une clé de contrôle "
        "fausse : vérifiez chaque chiffre",
        "portefeuille.csv, ligne 3, champ sirets : le SIRET '55208131800017' a une clé de "
        "contrôle fausse : vérifiez chaque chiffre",
        "portefeuille.csv, ligne 4, champ dossier_name : vide : renseignez-le",
        "portefeuille.csv, ligne 4, champ sirets : le SIRET '5520813170001' n'a pas le bon "
        "nombre de chiffres : corrigez le numéro",
        "portefeuille.csv, ligne 4, champ platform : plateforme 'minitel' inconnue pour la "
        "procédure dsn : net-entreprises ou izilio",
    ]


def test_siret_of_another_company_and_duplicate_codes_are_reported() -> None:
    text = HEADER + (
        f"CAB,Cabinet,{ACME},Acme,CCH_001,Paris,{ACME_PARIS};{BETA_HQ},\n"
        f"CAB,Cabinet,{ACME},Acme,cch-001,Lyon,{ACME_LYON},\n"
        f"CAB,Cabinet,{ACME},Acme,CCH_001,Nice,{ACME_NICE},\n"
    )
    found = problems(text)
    assert found == [
        "portefeuille.csv, ligne 2, champ sirets : le SIRET 40248366300017 n'appartient pas à "
        f"l'entreprise {ACME} (il doit commencer par son SIREN) : corrigez le SIRET ou rangez "
        "le dossier sous la bonne entreprise",
        "portefeuille.csv, ligne 3, champ dossier : les codes de dossier 'CCH_001' et 'cch-001' "
        "se confondent en 'cch-001', le nom de leurs identifiants de connexion : renommez l'un "
        "des deux",
        "portefeuille.csv, ligne 4, champ dossier : code de dossier 'CCH_001' en double : chaque "
        "code doit être unique",
    ]


def test_rows_naming_a_directory_or_company_differently_are_reported() -> None:
    text = HEADER + (
        f"CAB,Cabinet,{ACME},Acme,D1,Paris,{ACME_PARIS},\n"
        f"CAB,Cabinet Nord,{ACME},ACME SA,D2,Lyon,{ACME_LYON},\n"
    )
    assert problems(text) == [
        "portefeuille.csv, ligne 3, champ directory_name : 'Cabinet Nord' ici, 'Cabinet' à la "
        "ligne 2 : donnez le même nom sur chaque ligne",
        "portefeuille.csv, ligne 3, champ company_name : 'ACME SA' ici, 'Acme' à la ligne 2 : "
        "donnez le même nom sur chaque ligne",
    ]


def test_company_listed_under_two_directories_is_reported() -> None:
    text = HEADER + (
        f"CAB,Cabinet,{ACME},Acme,D1,Paris,{ACME_PARIS},\n"
        f"AUTRE,Autre,{ACME},Acme,D2,Lyon,{ACME_LYON},\n"
    )
    (found,) = problems(text)
    assert found.startswith(f"portefeuille.csv, ligne 3, champ siren : SIREN {ACME} en double")


def test_missing_columns_are_named() -> None:
    (found,) = problems("directory;siren;dossier\nCAB;552081317;D1\n")
    assert found.startswith("portefeuille.csv, ligne 1 : colonne(s) manquante(s) : ")
    assert "directory_name, company_name, dossier_name ;" in found


def test_unquoted_sirets_in_a_semicolon_csv_say_to_quote_them() -> None:
    text = HEADER.replace(",", ";") + f"CAB;C;{ACME};Acme;D1;Paris;{ACME_PARIS};{ACME_LYON};\n"
    found = problems(text)
    assert found[0].startswith("portefeuille.csv, ligne 2 : plus de colonnes que l'en-tête")
    assert "mettez la cellule sirets entre guillemets" in found[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "portefeuille.csv, ligne 1 : colonne(s) manquante(s)"),
        (HEADER, "portefeuille.csv, ligne 2 : aucun répertoire de données"),
        (HEADER + ",,,,,,,\n", "portefeuille.csv, ligne 2 : aucun répertoire de données"),
    ],
)
def test_empty_csv_files_are_refused(text: str, expected: str) -> None:
    (found,) = problems(text)
    assert found.startswith(expected)


def test_yaml_problems_name_their_path_and_field() -> None:
    text = YAML.replace('"552081317"', "552081317").replace(
        f'["{ACME_LYON}", "{ACME_NICE}"]', f'["{ACME_LYON}", "12345"]'
    )
    text = text.replace("platform: izilio", "platform: izilio\n            extra: 1")
    assert problems(text, "yaml") == [
        "portefeuille.yaml, directories[0].companies[0].siren, champ siren : doit être du texte "
        ": mettez la valeur entre guillemets",
        "portefeuille.yaml, directories[0].companies[0].dossiers[1].sirets[1], champ sirets : "
        "le SIRET '12345' n'a pas le bon nombre de chiffres : corrigez le numéro",
        "portefeuille.yaml, directories[0].companies[0].dossiers[1].extra, champ extra : champ "
        "inconnu : retirez-le ou corrigez son nom",
    ]


def test_yaml_consistency_problems_point_at_the_siret() -> None:
    text = YAML.replace(f'sirets: ["{BETA_HQ}"]', f'sirets: ["{BETA_HQ}", "{ACME_PARIS}"]')
    (found,) = problems(text, "yaml")
    assert found.startswith(
        "portefeuille.yaml, directories[1].companies[0].dossiers[0].sirets[1], champ sirets : "
        f"le SIRET {ACME_PARIS} n'appartient pas à l'entreprise"
    )


def test_yaml_empty_lists_and_missing_fields() -> None:
    text = """
directories:
  - code: CAB
    companies:
      - {siren: "552081317", name: Acme, dossiers: []}
"""
    assert problems(text, "yaml") == [
        "portefeuille.yaml, directories[0].name, champ name : champ manquant : ajoutez-le",
        "portefeuille.yaml, directories[0].companies[0].dossiers, champ dossiers : aucun "
        "dossier : ajoutez-en au moins un",
    ]


def test_a_list_whose_items_all_fail_reports_the_items_not_the_emptiness() -> None:
    text = YAML.replace(f'sirets: ["{ACME_PARIS}"]', 'sirets: ["1"]')
    (found,) = problems(text, "yaml")
    assert "dossiers[0].sirets[0]" in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("directories: [\n  - code: x\n", "portefeuille.yaml, ligne 2 : YAML illisible"),
        ("", "portefeuille.yaml, document : doit être une suite de champs"),
        ("- a\n- b\n", "portefeuille.yaml, document : doit être une suite de champs"),
    ],
)
def test_unreadable_yaml_is_one_clear_problem(text: str, expected: str) -> None:
    (found,) = problems(text, "yaml")
    assert found.startswith(expected)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format 'xlsx' inconnu"):
        load_portfolio(CSV, "p.xlsx", "xlsx")  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list(CSV + YAML + "\t\"'[]{}:-\ufeff")), max_size=300))
def test_junk_only_ever_raises_portfolio_errors(text: str) -> None:
    for fmt in ("csv", "yaml"):
        try:
            load_portfolio(text, "junk", fmt)  # type: ignore[arg-type]
        except PortfolioError as exc:
            error = exc
        else:
            continue
        assert error.problems
