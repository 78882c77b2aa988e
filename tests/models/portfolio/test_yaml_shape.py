"""A YAML portfolio nesting deeper than any portfolio could, or swelling through its aliases,
is one clear problem with its line, never a RecursionError or an import that never ends."""

from __future__ import annotations

import time

import pytest

from coursier.models.portfolio import PortfolioError, load_portfolio
from coursier.models.portfolio.yaml_shape import MAX_DEPTH, MAX_VALUES, shape_problem
from tests.models.portfolio.samples import ACME, ACME_PARIS, YAML, YAML_BELGIUM

DEEP = {
    "flow sequences": "directories: " + "[" * 5000 + "]" * 5000,
    "flow mappings": "directories: " + "{a: " * 5000 + "1" + "}" * 5000,
    "block mappings": "".join("  " * i + "a:\n" for i in range(3000)),
    "block sequences": "".join("  " * i + "-\n" for i in range(3000)),
    "inside a dossier": YAML.replace("sirets: [", "sirets: [" + "[" * 800, 1).replace(
        "]\n", "]" * 801 + "\n", 1
    ),
}


def problems(text: str) -> list[str]:
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(text, "portefeuille.yaml", "yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_yaml_is_one_clear_problem(text: str) -> None:
    (found,) = problems(text)
    assert found.startswith("portefeuille.yaml, ligne ")
    assert f"YAML imbriqué sur plus de {MAX_DEPTH} niveaux" in found
    assert "vérifiez l'indentation" in found


def test_the_line_named_is_where_the_nesting_goes_too_deep() -> None:
    text = "directories:\n" + "".join("  " * i + "- a:\n" for i in range(1, 40))
    (found,) = problems(text)
    assert found.startswith(f"portefeuille.yaml, ligne {MAX_DEPTH // 2 + 1} : YAML imbriqué")


def test_aliases_expanding_a_small_file_into_a_huge_one_are_refused_quickly() -> None:
    levels = ["a: &a [" + ", ".join(["x"] * 10) + "]"]
    for n in range(1, 9):  # 10⁹ values once expanded, in a few hundred bytes
        previous, name = chr(ord("a") + n - 1), chr(ord("a") + n)
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    started = time.monotonic()
    (found,) = problems("\n".join(levels) + "\n")
    assert time.monotonic() - started < 5  # it would never end if it were built and validated
    assert f"YAML de plus de {MAX_VALUES} valeurs une fois ses alias (*…) développés" in found


def test_a_portfolio_sharing_a_declarant_through_an_alias_still_loads() -> None:
    declarant = f'{{siret: "{ACME_PARIS}", last_name: DUPONT, first_name: Zoé}}'
    text = YAML.replace(
        f'siren: "{ACME}"\n        name: Acme',
        f'siren: "{ACME}"\n        name: Acme\n        declarant: &bureau {declarant}',
    ).replace("name: Beta\n", "name: Beta\n        declarant: *bureau\n")
    directories = load_portfolio(text, "p.yaml", "yaml").directories
    acme, beta = directories[0].companies[0], directories[1].companies[0]
    assert acme.declarant is not None
    assert acme.declarant == beta.declarant


@pytest.mark.parametrize("text", [YAML, YAML_BELGIUM])
def test_real_portfolios_are_well_within_the_bounds(text: str) -> None:
    assert shape_problem(text) is None
