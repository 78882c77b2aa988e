"""A platform per procedure: the DSN's as files always wrote it, the others under
``platforms``; a platform a procedure does not know, a procedure nobody knows, and a procedure
of the other country are each refused where they are written, naming what is known."""

from __future__ import annotations

import pytest

from coursier.models.portfolio import PROCEDURES, PortfolioError, load_portfolio
from tests.models.portfolio.samples import (
    ACME,
    ACME_PARIS,
    CSV,
    CSV_BELGIUM_HEADER,
    SOLVAY,
    YAML,
    YAML_BELGIUM,
)

DOSSIER = "portefeuille.yaml, directories[0].companies[0].dossiers[0]"


def problems(text: str, fmt: str = "yaml") -> list[str]:
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(text, f"portefeuille.{fmt}", fmt)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def company(country: str, platforms: str, extra: str = "") -> str:
    number = f'number: "{SOLVAY}"' if country == "BE" else f'siren: "{ACME}"'
    sirets = "" if country == "BE" else f'\n            sirets: ["{ACME_PARIS}"]'
    return f"""
directories:
  - code: CAB
    name: Cabinet
    companies:
      - country: {country}
        {number}
        name: Société
        dossiers:
          - code: D1
            name: Dossier{sirets}
            platforms: {platforms}{extra}
"""


def procedures(text: str) -> list[dict[str, str]]:
    portfolio = load_portfolio(text, "p.yaml", "yaml")
    return [dossier.procedures for _loc, _d, _c, dossier in portfolio.walk()]


def test_platform_alone_is_the_dsn_and_no_platform_at_all_is_net_entreprises() -> None:
    assert procedures(YAML) == [
        {"dsn": "net-entreprises"},
        {"dsn": "izilio"},
        {"dsn": "net-entreprises"},  # neither platform nor platforms: as before
        {"dsn": "net-entreprises"},
    ]
    portfolio = load_portfolio(CSV, "p.csv", "csv")
    assert [d.platform for _l, _d, _c, d in portfolio.walk()] == [
        "net-entreprises",
        "izilio",
        "net-entreprises",
        "net-entreprises",
    ]


def test_one_meaning_one_dossier_however_the_file_says_it() -> None:
    legacy = load_portfolio(
        company("FR", "{pas: izilio}", "\n            platform: IZILIO"), "p", "yaml"
    )
    nested = load_portfolio(company("FR", "{dsn: izilio, pas: izilio}"), "p", "yaml")
    assert legacy == nested
    (_loc, _d, _c, dossier), *_ = nested.walk()
    assert (dossier.platform, dossier.platform_for("dsn"), dossier.platform_for("pas")) == (
        "izilio",
        "izilio",
        "izilio",
    )


def test_a_dossier_naming_its_procedures_takes_part_in_no_other() -> None:
    (found,) = procedures(company("FR", "{cegid-flow: cegid-loop}"))
    assert found == {"cegid-flow": "cegid-loop"}
    portfolio = load_portfolio(company("FR", "{cegid-flow: cegid-loop}"), "p", "yaml")
    (_loc, _d, _c, dossier), *_ = portfolio.walk()
    assert dossier.platform is None
    assert dossier.platform_for("dsn") is None


def test_belgian_dossiers_take_their_platforms_from_the_file() -> None:
    assert procedures(YAML_BELGIUM) == [
        {"hr-sync": "payflip"},
        {"client-import": "admin-is"},
        {"hr-sync": "payflip", "client-import": "adminpulse"},
        {"dsn": "izilio", "pas": "izilio", "cegid-flow": "cegid-loop"},
    ]


@pytest.mark.parametrize("procedure", list(PROCEDURES.values()), ids=list(PROCEDURES))
def test_every_platform_of_every_procedure_is_accepted(procedure) -> None:
    for platform in procedure.platforms:
        for country in procedure.countries:
            text = company(country, f"{{{procedure.key}: {platform.upper()}}}")
            assert procedures(text) == [{procedure.key: platform}]


@pytest.mark.parametrize(
    ("country", "platforms", "field", "message"),
    [
        (
            "FR",
            "{pas: payflip}",
            "pas",
            "plateforme 'payflip' inconnue pour la procédure pas : net-entreprises ou izilio",
        ),
        (
            "BE",
            "{client-import: accounton}",
            "client-import",
            "plateforme 'accounton' inconnue pour la procédure client-import : adminpulse ou "
            "admin-is",
        ),
        (
            "FR",
            "{paie: net-entreprises}",
            "paie",
            "procédure 'paie' inconnue : dsn, pas, hr-sync, client-import, cegid-flow",
        ),
        (
            "BE",
            "{dsn: net-entreprises, hr-sync: payflip}",
            "dsn",
            "la procédure dsn (dépôt des DSN) est réservée aux entreprises françaises "
            "(country: FR) : retirez-la de ce dossier, ou vérifiez le pays de l'entreprise",
        ),
        (
            "FR",
            "{hr-sync: payflip}",
            "hr-sync",
            "la procédure hr-sync (synchronisation RH Securex → Payflip) est réservée aux "
            "entreprises belges (country: BE) : retirez-la de ce dossier, ou vérifiez le pays "
            "de l'entreprise",
        ),
    ],
)
def test_a_refused_platform_names_its_field_and_what_is_known(
    country: str, platforms: str, field: str, message: str
) -> None:
    assert problems(company(country, platforms)) == [
        f"{DOSSIER}.platforms.{field}, champ platforms.{field} : {message}"
    ]


def test_the_old_platform_field_of_a_belgian_dossier_is_the_dsn_refused() -> None:
    (found,) = problems(company("BE", "{hr-sync: payflip}", "\n            platform: izilio"))
    assert found.startswith(
        f"{DOSSIER}.platform, champ platform : champ des entreprises françaises"
    )


def test_platform_and_platforms_dsn_must_agree() -> None:
    text = company("FR", "{dsn: net-entreprises}", "\n            platform: izilio")
    assert problems(text) == [
        f"{DOSSIER} : platform (izilio) et platforms.dsn (net-entreprises) se contredisent : "
        "gardez seulement platforms.dsn"
    ]


@pytest.mark.parametrize(
    ("country", "platforms", "example"),
    [
        ("FR", "{}", "{dsn: net-entreprises, pas: net-entreprises}"),
        ("FR", "{pas: null}", "{dsn: net-entreprises, pas: net-entreprises}"),
        ("BE", "{}", "{hr-sync: payflip}"),
        ("BE", "{hr-sync: null}", "{hr-sync: payflip}"),
        ("BE", None, "{hr-sync: payflip}"),
    ],
)
def test_a_dossier_with_no_procedure_is_told_how_to_name_one(
    country: str, platforms: str | None, example: str
) -> None:
    text = company(country, platforms or "{}")
    if platforms is None:
        text = text.replace("            platforms: {}\n", "")
    assert problems(text) == [
        f"{DOSSIER} : aucune procédure : indiquez la plateforme de chacune, par exemple "
        f"platforms: {example}"
    ]


def test_csv_platforms_cells_name_their_line_and_column() -> None:
    text = CSV_BELGIUM_HEADER + (
        f"BXL,Bruxelles,BE,{SOLVAY},Solvay,S1,RH,,,hr-sync=securex\n"
        f"BXL,Bruxelles,,{ACME},Acme,A1,Paris,{ACME_PARIS},,dsn:izilio;pas=izilio\n"
        f"BXL,Bruxelles,,{ACME},Acme,A2,Lyon,{ACME_PARIS},,hr-sync=payflip\n"
    )
    assert problems(text, "csv") == [
        "portefeuille.csv, ligne 2, champ platforms : plateforme 'securex' inconnue pour la "
        "procédure hr-sync : payflip",
        "portefeuille.csv, ligne 3, champ platforms : 'dsn:izilio' : écrivez "
        "procédure=plateforme, séparés par « ; » (dsn=net-entreprises;pas=net-entreprises), "
        "procédures : dsn, pas, hr-sync, client-import, cegid-flow",
        "portefeuille.csv, ligne 4, champ platforms : la procédure hr-sync (synchronisation RH "
        "Securex → Payflip) est réservée aux entreprises belges (country: BE) : retirez-la de ce "
        "dossier, ou vérifiez le pays de l'entreprise",
    ]
