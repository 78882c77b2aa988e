"""French and Belgian companies side by side: each known by its country's number, checked by
python-stdnum, every bad number named with its file, line or path and field; French files as
they always were."""

from __future__ import annotations

import pytest

from coursier.models.portfolio import (
    BelgianCompany,
    FrenchCompany,
    PortfolioError,
    company_key,
    load_portfolio,
)
from tests.models.portfolio.samples import (
    ACME,
    ACME_PARIS,
    CSV,
    CSV_BELGIUM,
    CSV_BELGIUM_HEADER,
    PROXIMUS,
    PROXIMUS_UNIT,
    SOLVAY,
    SOLVAY_UNIT,
    SOLVAY_UNIT_2,
    YAML,
    YAML_BELGIUM,
)


def problems(text: str, fmt: str) -> list[str]:
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(text, f"portefeuille.{fmt}", fmt)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def belgian_yaml(number: str = SOLVAY, units: str = f'["{SOLVAY_UNIT}"]', more: str = "") -> str:
    return f"""
directories:
  - code: BXL
    name: Bruxelles
    companies:
      - country: BE
        number: "{number}"
        name: Solvay
        dossiers:
          - code: SOL_RH
            name: Solvay RH
            establishments: {units}
            platforms: {{hr-sync: payflip}}{more}
"""


PATH = "portefeuille.yaml, directories[0].companies[0]"


def test_belgian_and_french_companies_load_alike_from_csv_and_yaml() -> None:
    from_yaml = load_portfolio(YAML_BELGIUM, "p.yaml", "yaml")
    assert from_yaml == load_portfolio(CSV_BELGIUM, "p.csv", "csv")
    solvay, proximus, acme = from_yaml.directories[0].companies
    assert isinstance(solvay, BelgianCompany)
    assert (solvay.country, solvay.number, solvay.key, solvay.siren) == (
        "BE",
        SOLVAY,
        f"BE{SOLVAY}",
        None,
    )
    assert solvay.dossiers[0].establishments == (SOLVAY_UNIT, SOLVAY_UNIT_2)
    assert solvay.dossiers[1].establishments == ()  # units are optional in Belgium
    assert (proximus.number, proximus.dossiers[0].establishments) == (PROXIMUS, (PROXIMUS_UNIT,))
    assert isinstance(acme, FrenchCompany)
    assert (acme.country, acme.number, acme.siren, acme.key) == ("FR", ACME, ACME, ACME)


def test_french_files_of_before_load_unchanged() -> None:
    for text, fmt in ((YAML, "yaml"), (CSV, "csv")):
        portfolio = load_portfolio(text, f"p.{fmt}", fmt)  # type: ignore[arg-type]
        companies = [c for d in portfolio.directories for c in d.companies]
        assert all(isinstance(c, FrenchCompany) and c.country == "FR" for c in companies)
        acme = companies[0]
        assert (acme.siren, acme.number, acme.key) == (ACME, ACME, ACME)
        assert acme.dossiers[0].sirets == acme.dossiers[0].establishments == (ACME_PARIS,)


def test_a_french_company_may_give_its_siren_as_number_but_not_both() -> None:
    yaml_text = YAML.replace(f'siren: "{ACME}"', f'number: "{ACME}"')
    assert load_portfolio(yaml_text, "p.yaml", "yaml") == load_portfolio(YAML, "p.yaml", "yaml")
    both = YAML.replace(f'siren: "{ACME}"', f'siren: "{ACME}"\n        number: "{ACME}"')
    assert problems(both, "yaml") == [
        f"{PATH}.number, champ number : siren et number donnent tous deux le SIREN : gardez l'un "
        "des deux"
    ]


@pytest.mark.parametrize(
    "written", [f"BE{SOLVAY[:4]}.{SOLVAY[4:7]}.{SOLVAY[7:]}", SOLVAY, SOLVAY[1:], f"be {SOLVAY}"]
)
def test_every_usual_form_of_an_enterprise_number_is_stored_as_ten_digits(written: str) -> None:
    (directory,) = load_portfolio(belgian_yaml(written), "p.yaml", "yaml").directories
    assert directory.companies[0].number == SOLVAY


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("0403170702", "'0403170702' a une clé de contrôle fausse : vérifiez chaque chiffre"),
        ("04031707", "'04031707' n'a pas le bon nombre de chiffres : corrigez le numéro"),
        (SOLVAY_UNIT, f"'{SOLVAY_UNIT}' doit commencer par 0 ou 1 (BE0403.170.701, 0403170701)"),
        ("BE04O3170701", "'BE04O3170701' ne doit contenir que des chiffres"),
        ("", "vide : renseignez-le"),
    ],
)
def test_a_bad_enterprise_number_is_named_with_its_field(number: str, expected: str) -> None:
    found = problems(belgian_yaml(number), "yaml")
    prefix = "le numéro d'entreprise " if number else ""
    assert found == [f"{PATH}.number, champ number : {prefix}{expected}"]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("2143775918", "a une clé de contrôle fausse : vérifiez chaque chiffre"),
        (
            SOLVAY,
            "doit commencer par un chiffre de 2 à 8 (un numéro commençant par 0 ou 1 est "
            "celui d'une entreprise)",
        ),
        ("9143775917", "doit commencer par un chiffre de 2 à 8"),
        ("214377591", "n'a pas 10 chiffres : corrigez le numéro"),
        ("2.143.77x.917", "ne doit contenir que des chiffres"),
    ],
)
def test_a_bad_establishment_unit_number_is_named_with_its_field(unit: str, expected: str) -> None:
    (found,) = problems(belgian_yaml(units=f'["{SOLVAY_UNIT}", "{unit}"]'), "yaml")
    assert found.startswith(
        f"{PATH}.dossiers[0].establishments[1], champ establishments : le numéro d'unité "
        f"d'établissement {unit!r} {expected}"
    )


def test_unit_numbers_with_dots_are_stored_compact() -> None:
    dotted = f"{SOLVAY_UNIT[0]}.{SOLVAY_UNIT[1:4]}.{SOLVAY_UNIT[4:7]}.{SOLVAY_UNIT[7:]}"
    (directory,) = load_portfolio(belgian_yaml(units=f'["{dotted}"]'), "p", "yaml").directories
    assert directory.companies[0].dossiers[0].establishments == (SOLVAY_UNIT,)


@pytest.mark.parametrize(
    ("more", "field", "country"),
    [
        (f'\n            sirets: ["{ACME_PARIS}"]', "dossiers[0].sirets", "françaises"),
        ("\n            platform: net-entreprises", "dossiers[0].platform", "françaises"),
        (
            f'\n            declarant: {{siret: "{ACME_PARIS}", last_name: A, first_name: B}}',
            "dossiers[0].declarant",
            "françaises",
        ),
    ],
)
def test_a_french_field_on_a_belgian_company_says_whose_it_is(
    more: str, field: str, country: str
) -> None:
    (found,) = problems(belgian_yaml(more=more), "yaml")
    name = field.rpartition(".")[2]
    assert found == (
        f"{PATH}.{field}, champ {name} : champ des entreprises {country}, pas des belges "
        "(country: BE) : retirez-le, ou corrigez le pays de l'entreprise"
    )


def test_a_belgian_number_under_siren_or_a_french_unit_say_whose_field_it_is() -> None:
    siren = belgian_yaml().replace(f'number: "{SOLVAY}"', 'siren: "552081317"')
    assert problems(siren, "yaml") == [
        f"{PATH}.number, champ number : champ manquant : ajoutez-le",
        f"{PATH}.siren, champ siren : champ des entreprises françaises, pas des belges "
        "(country: BE) : retirez-le, ou corrigez le pays de l'entreprise",
    ]
    unit = YAML.replace(
        f'sirets: ["{ACME_PARIS}"]',
        f'sirets: ["{ACME_PARIS}"]\n            establishments: ["{SOLVAY_UNIT}"]',
    )
    assert problems(unit, "yaml") == [
        f"{PATH}.dossiers[0].establishments, champ establishments : champ des entreprises "
        "belges, pas des françaises (country: FR) : retirez-le, ou corrigez le pays de "
        "l'entreprise"
    ]


@pytest.mark.parametrize("country", ["DE", "", "France"])
def test_an_unknown_country_is_named(country: str) -> None:
    text = belgian_yaml().replace("country: BE", f'country: "{country}"')
    assert problems(text, "yaml") == [
        f"{PATH}.country, champ country : pays {country!r} inconnu : FR (France) ou BE (Belgique)"
    ]


def test_a_belgian_company_twice_is_reported_on_its_csv_line() -> None:
    text = CSV_BELGIUM_HEADER + (
        f"BXL,Bruxelles,BE,{SOLVAY},Solvay,SOL_RH,RH,,,hr-sync=payflip\n"
        f"ANV,Anvers,BE,BE{SOLVAY},Solvay,SOL_2,RH,,,hr-sync=payflip\n"
    )
    (found,) = problems(text, "csv")
    assert found.startswith(
        f"portefeuille.csv, ligne 3, champ number : numéro d'entreprise BE{SOLVAY} en double"
    )


def test_csv_problems_of_belgian_rows_name_their_column() -> None:
    text = CSV_BELGIUM_HEADER + (
        "BXL,Bruxelles,BE,0403170702,Solvay,SOL_RH,RH,,2143775918,hr-sync=payflip\n"
        f"BXL,Bruxelles,BE,{PROXIMUS},Proximus,PXS,RH,{ACME_PARIS},,hr-sync=payflip\n"
    )
    assert problems(text, "csv") == [
        "portefeuille.csv, ligne 2, champ number : le numéro d'entreprise '0403170702' a une clé "
        "de contrôle fausse : vérifiez chaque chiffre",
        "portefeuille.csv, ligne 2, champ establishments : le numéro d'unité d'établissement "
        "'2143775918' a une clé de contrôle fausse : vérifiez chaque chiffre",
        "portefeuille.csv, ligne 3, champ sirets : champ des entreprises françaises, pas des "
        "belges (country: BE) : retirez-le, ou corrigez le pays de l'entreprise",
    ]


def test_a_belgian_only_csv_needs_no_siren_column_and_a_french_one_no_new_column() -> None:
    assert "siren" not in CSV_BELGIUM_HEADER.split(",")
    load_portfolio(CSV_BELGIUM, "p.csv", "csv")
    assert "country" not in CSV.partition("\n")[0]
    load_portfolio(CSV, "p.csv", "csv")


def test_company_keys_keep_french_ones_and_qualify_belgian_ones() -> None:
    assert company_key("FR", ACME) == ACME
    assert company_key("BE", SOLVAY) == f"BE{SOLVAY}"
