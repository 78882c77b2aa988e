"""The VAT number is normalised before it is judged, and each activation error says what to do."""

from __future__ import annotations

import pickle

import pytest

from coursier.models.hr_activation import (
    ActivationCode,
    ActivationError,
    company_not_found,
    internal_error,
    normalise_vat,
)


@pytest.mark.parametrize(
    "typed",
    [
        "BE0403170701",
        "BE 0403.170.701",
        "be0403-170-701",
        "0403.170.701",
        "403170701",
        " 0403 170 701 ",
    ],
)
def test_every_way_of_typing_a_vat_gives_its_ten_digits(typed):
    assert normalise_vat(typed) == "0403170701"


@pytest.mark.parametrize("typed", [None, "", "   "])
def test_no_vat_is_missing(typed):
    with pytest.raises(ActivationError) as caught:
        normalise_vat(typed)
    assert caught.value.code is ActivationCode.VAT_MISSING
    assert "Informations de l'entreprise" in caught.value.action
    assert str(caught.value).startswith("Numéro de TVA manquant")


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("BE12345", "10 chiffres"),
        ("BE04031707011", "10 chiffres"),
        ("BE0403170702", "chiffres de contrôle"),
        ("BE2403170701", "commence par 0 ou 1"),
        ("BE04O3170701", "10 chiffres"),
    ],
)
def test_an_invalid_vat_says_why(typed, why):
    with pytest.raises(ActivationError) as caught:
        normalise_vat(typed)
    assert caught.value.code is ActivationCode.VAT_INVALID
    assert why in caught.value.message
    assert typed in caught.value.message
    assert "corrigez-le" in caught.value.action


def test_company_not_found_points_to_the_right_side():
    securex = company_not_found("0403170701", "Securex")
    payflip = company_not_found("0403170701", "Payflip")
    assert securex.code is payflip.code is ActivationCode.COMPANY_NOT_FOUND
    assert "customer success manager" in securex.action
    assert "BE0403170701" in securex.message
    assert "Informations de l'entreprise" in payflip.action


def test_an_internal_error_survives_pickling():
    error = internal_error("HTTP 500")
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.message, again.action) == (error.code, error.message, error.action)
    assert str(again).startswith("Erreur interne")
