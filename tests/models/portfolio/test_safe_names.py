"""Codes of dossiers and data directories name folders, credentials and terminal lines: a code
that could leave a folder or fool a terminal is refused at import, with its field and what to
do. A dossier code ``../../../x`` once wrote its AER outside ``var/aer``."""

from __future__ import annotations

import csv
import io

import pytest
import yaml

from coursier.models.portfolio import PortfolioError, load_portfolio
from tests.models.portfolio.samples import ACME, ACME_PARIS, CSV, YAML

HOSTILE = [
    "../../../x",
    "..",
    "a/b",
    "/etc",
    "a\\b",
    "..\\..\\x",
    "x..y",
    "x\x1b[31m",
    "[bold red]x",
    "x]",
    "a\tb",
    "a\nb",
    "a\x00b",
    "a\u202eb",  # right-to-left override: shows another code than the real one
    "a\u200bb",  # zero-width space: two codes that look the same
    "A" * 65,
]
HEADER = CSV.partition("\n")[0] + "\n"


def problems(text: str, fmt: str) -> list[str]:
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(text, f"portefeuille.{fmt}", fmt)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def yaml_with(directory: str, dossier: str) -> str:
    dossiers = [{"code": dossier, "name": "Acme Paris", "sirets": [ACME_PARIS]}]
    companies = [{"siren": ACME, "name": "Acme", "dossiers": dossiers}]
    return yaml.safe_dump(
        {"directories": [{"code": directory, "name": "C", "companies": companies}]}
    )


def csv_with(dossier: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        ["CAB", "Cabinet", ACME, "Acme", dossier, "Paris", ACME_PARIS, ""]
    )
    return HEADER + out.getvalue()


def _expected_message(code: str) -> str:
    if len(code) > 64:
        return "trop long : 64 caractères au plus"
    return f"le code {code!r} contient "


@pytest.mark.parametrize("code", HOSTILE, ids=repr)
def test_a_hostile_dossier_code_is_refused_at_import_naming_its_field(code: str) -> None:
    (found,) = problems(csv_with(code), "csv")
    # A line break inside a quoted cell: the row is named by the line it ends on.
    line = 2 + code.count("\n")
    assert found.startswith(
        f"portefeuille.csv, ligne {line}, champ dossier : " + _expected_message(code)
    )


@pytest.mark.parametrize("code", HOSTILE, ids=repr)
def test_a_hostile_directory_code_is_refused_at_import_naming_its_field(code: str) -> None:
    (found,) = problems(yaml_with(code, "CCH_001"), "yaml")
    assert found.startswith(
        "portefeuille.yaml, directories[0].code, champ code : " + _expected_message(code)
    )


def test_the_message_says_what_a_code_may_hold() -> None:
    (found,) = problems(yaml_with("CAB", "../../../x"), "yaml")
    assert found == (
        "portefeuille.yaml, directories[0].companies[0].dossiers[0].code, champ code : le code "
        "'../../../x' contient '/' : un code nomme des dossiers et des identifiants, il ne doit "
        "contenir ni « / », ni « \\ », ni « .. », ni crochet [ ], ni caractère de contrôle ; "
        "gardez lettres, chiffres, tirets, points et espaces"
    )


@pytest.mark.parametrize("code", ["CCH_001", "Société Générale", "A.B-C", "x.y", "A" * 64])
def test_codes_firms_write_are_accepted(code: str) -> None:
    portfolio = load_portfolio(yaml_with(code, code), "p.yaml", "yaml")
    assert portfolio.directories[0].code == code


def test_the_sample_portfolios_are_safe() -> None:
    load_portfolio(YAML, "p.yaml", "yaml")
    load_portfolio(CSV, "p.csv", "csv")
