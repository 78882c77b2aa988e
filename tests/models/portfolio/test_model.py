"""Slugs of codes (the credentials' names) and the M2M module of each DSN nature."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursier.models.portfolio import module_of_nature, slug


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("CCH_001", "cch-001"),
        ("cch-001", "cch-001"),
        ("  Société Générale ", "societe-generale"),
        ("A.B--C", "a-b-c"),
        ("552081317", "552081317"),
    ],
)
def test_slug(key: str, expected: str) -> None:
    assert slug(key) == expected


@given(st.text(min_size=1))
def test_slug_is_a_prefect_block_name_without_double_dash(key: str) -> None:
    try:
        result = slug(key)
    except ValueError:
        return
    assert set(result) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert "--" not in result
    assert not result.startswith("-")
    assert not result.endswith("-")


@pytest.mark.parametrize("key", ["", "___", "日本"])
def test_key_without_letter_or_digit_has_no_slug(key: str) -> None:
    with pytest.raises(ValueError, match="ni lettre ni chiffre"):
        slug(key)


@pytest.mark.parametrize(
    ("nature", "module"),
    [
        ("01", "dsn"),
        ("09", "dsn"),
        ("04", "signalement"),
        ("05", "signalement"),
        ("08", "signalement"),
        ("10", "signalement"),
        ("07", "fctu"),
    ],
)
def test_module_of_nature(nature: str, module: str) -> None:
    assert module_of_nature(nature) == module


@pytest.mark.parametrize("nature", ["02", "1", "", "99"])
def test_unknown_nature_names_it(nature: str) -> None:
    with pytest.raises(ValueError, match=f"nature de déclaration '{nature}' inconnue"):
        module_of_nature(nature)
