"""Nature and type codes as people type them (``4`` or ``04``), one parser for every command."""

from __future__ import annotations

import pytest

from coursier.models.dsn.codes import UnknownCode, parse_nature, parse_type


@pytest.mark.parametrize(("text", "code"), [("4", "04"), ("04", "04"), (" 7 ", "07"), ("10", "10")])
def test_natures_with_or_without_their_leading_zero(text, code):
    assert parse_nature(text) == code


@pytest.mark.parametrize(("text", "code"), [("1", "01"), ("03", "03")])
def test_types_with_or_without_their_leading_zero(text, code):
    assert parse_type(text) == code


@pytest.mark.parametrize("text", ["99", "004", "x", ""])
def test_an_unknown_nature_lists_the_known_ones(text):
    with pytest.raises(UnknownCode) as caught:
        parse_nature(text)
    assert f"nature {text!r} inconnue" in str(caught.value)
    assert "04 (Signalement Arrêt de travail)" in str(caught.value)


def test_an_unknown_type_says_so_in_french():
    with pytest.raises(UnknownCode, match="type '9' inconnu : une de 01"):
        parse_type("9")
