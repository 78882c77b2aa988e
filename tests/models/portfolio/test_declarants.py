"""The declarant a concentrateur acts for, in a portfolio file: on a company, overridden by a
dossier, in CSV and YAML alike; every bad value named with its file, line or path and field."""

from __future__ import annotations

import base64

import pytest

from coursier.models.declarant import Declarant
from coursier.models.portfolio import CSV_DECLARANT_COLUMNS, PortfolioError, load_portfolio
from tests.models.portfolio.samples import (
    ACME,
    ACME_DECLARANT,
    ACME_PARIS,
    CSV,
    CSV_WITH_DECLARANTS,
    DECLARANT_COLUMNS,
    SOUTH_DECLARANT,
    YAML_WITH_DECLARANTS,
)

HEADER = (
    "directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform,"
    + DECLARANT_COLUMNS
    + "\n"
)
ROW = f"CAB,Cabinet,{ACME},Acme,D1,Paris,{ACME_PARIS},,"


def problems(text: str, fmt: str = "csv") -> list[str]:
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(text, f"portefeuille.{fmt}", fmt)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_csv_and_yaml_give_the_same_declarants() -> None:
    from_csv = load_portfolio(CSV_WITH_DECLARANTS, "p.csv", "csv")
    assert from_csv == load_portfolio(YAML_WITH_DECLARANTS, "p.yaml", "yaml")
    nord, sud = from_csv.directories
    (acme,) = nord.companies
    assert acme.declarant is not None
    assert acme.declarant.as_declarant() == Declarant(*ACME_DECLARANT)
    paris, south = acme.dossiers
    assert paris.declarant is None  # it takes the company's
    assert south.declarant is not None
    assert south.declarant.as_declarant() == Declarant(*SOUTH_DECLARANT)
    assert sud.companies[0].declarant is None


def test_a_csv_without_the_declarant_columns_still_loads() -> None:
    assert tuple(DECLARANT_COLUMNS.split(",")) == CSV_DECLARANT_COLUMNS
    portfolio = load_portfolio(CSV, "p.csv", "csv")
    assert all(company.declarant is None for d in portfolio.directories for company in d.companies)


def test_spaces_around_values_and_in_the_siret_are_tolerated() -> None:
    spaced = HEADER + ROW + ",,, 552 081 317 00018 ,  Dupont , Zoé \n"
    (directory,) = load_portfolio(spaced, "p.csv", "csv").directories
    declarant = directory.companies[0].dossiers[0].declarant
    assert declarant is not None
    assert declarant.as_declarant() == Declarant(ACME_PARIS, "Dupont", "Zoé")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ",,,5520813170001,Dupont,Zoé",
            "ligne 2, champ declarant_siret : le SIRET '5520813170001' n'a pas le bon nombre "
            "de chiffres : corrigez le numéro",
        ),
        (
            ",,,55208131700019,Dupont,Zoé",
            "ligne 2, champ declarant_siret : le SIRET '55208131700019' a une clé de contrôle "
            "fausse : vérifiez chaque chiffre",
        ),
        (
            f",,,{ACME_PARIS},{'D' * 65},Zoé",
            "ligne 2, champ declarant_last_name : trop long : 64 caractères au plus",
        ),
        (
            f",,,{ACME_PARIS},Dupont,{'Z' * 40}",
            "ligne 2, champ declarant_first_name : trop long : 39 caractères au plus",
        ),
        (
            f",,,{ACME_PARIS},Dupont,",
            "ligne 2, champ declarant_first_name : vide : renseignez-le",
        ),
        (
            ",,,,Dupont,Zoé",
            "ligne 2, champ declarant_siret : vide : renseignez-le",
        ),
        (
            f',,,{ACME_PARIS},"Dupont;Zoé",X',
            "ligne 2, champ declarant_last_name : ne doit contenir ni « ; » ni saut de ligne",
        ),
        (
            f"5520813170001,Dupont,Zoé,{ACME_PARIS},Dupont,Zoé",
            "ligne 2, champ company_declarant_siret : le SIRET '5520813170001' n'a pas le bon",
        ),
        (
            f"{ACME_PARIS},,Zoé,,,",
            "ligne 2, champ company_declarant_last_name : vide : renseignez-le",
        ),
    ],
)
def test_bad_declarant_cells_name_their_line_and_column(cells: str, expected: str) -> None:
    (found,) = problems(HEADER + ROW + cells + "\n")
    assert found.startswith(f"portefeuille.csv, {expected}")


def test_a_company_declarant_that_differs_between_rows_is_reported() -> None:
    text = HEADER + (
        f"{ROW}{ACME_PARIS},Dupont,Zoé,,,\n"
        f"CAB,Cabinet,{ACME},Acme,D2,Lyon,{ACME_PARIS},,{ACME_PARIS},Durand,Zoé,,,\n"
    )
    assert problems(text) == [
        "portefeuille.csv, ligne 3, champ company_declarant_last_name : 'Durand' ici, 'Dupont' "
        "à la ligne 2 : donnez le même nom sur chaque ligne",
    ]


@pytest.mark.parametrize(
    ("declarant", "expected"),
    [
        (
            "{siret: 55208131700018, last_name: Dupont, first_name: Zoé}",
            "declarant.siret, champ siret : doit être du texte : mettez la valeur entre guillemets",
        ),
        (
            '{siret: "55208131700018", last_name: Dupont}',
            "declarant.first_name, champ first_name : champ manquant : ajoutez-le",
        ),
        (
            '{siret: "55208131700018", last_name: Dupont, first_name: Zoé, role: admin}',
            "declarant.role, champ role : champ inconnu : retirez-le ou corrigez son nom",
        ),
        (
            '{siret: "55208131700018", last_name: "Du\\npont", first_name: Zoé}',
            "declarant.last_name, champ last_name : ne doit contenir ni « ; » ni saut de ligne",
        ),
        (
            '{siret: "55208131700018", last_name: "Dupont", first_name: "\\u0000"}',
            "declarant.first_name, champ first_name : ne doit contenir ni « ; »",
        ),
        (
            '{siret: "55208131700018", last_name: "   ", first_name: Zoé}',
            "declarant.last_name, champ last_name : vide : renseignez-le",
        ),
        ('"55208131700018"', "declarant, champ declarant : doit être une suite de champs"),
        ("[Dupont]", "declarant, champ declarant : doit être une suite de champs"),
    ],
)
def test_bad_yaml_declarants_name_their_path_and_field(declarant: str, expected: str) -> None:
    text = f"""
directories:
  - code: CAB
    name: Cabinet
    companies:
      - siren: "{ACME}"
        name: Acme
        dossiers:
          - code: D1
            name: Paris
            sirets: ["{ACME_PARIS}"]
            declarant: {declarant}
"""
    (found,) = problems(text, "yaml")
    assert found.startswith(
        f"portefeuille.yaml, directories[0].companies[0].dossiers[0].{expected}"
    )


def test_a_null_declarant_is_no_declarant() -> None:
    company_line = next(line for line in YAML_WITH_DECLARANTS.splitlines() if "{siret" in line)
    text = YAML_WITH_DECLARANTS.replace(company_line, "        declarant: null")
    (directory, _) = load_portfolio(text, "p.yaml", "yaml").directories
    assert directory.companies[0].declarant is None


def test_names_keep_their_accents_and_the_header_value_encodes_them() -> None:
    portfolio = load_portfolio(YAML_WITH_DECLARANTS, "p.yaml", "yaml")
    south = portfolio.directories[0].companies[0].dossiers[1]
    assert south.declarant is not None
    declarant = south.declarant.as_declarant()
    assert declarant.first_name == "Jean Éric"
    decoded = base64.b64decode(declarant.header_value()).decode("utf-8")
    assert decoded == f"{SOUTH_DECLARANT[0]};MARTIN-DURAND;Jean Éric"
