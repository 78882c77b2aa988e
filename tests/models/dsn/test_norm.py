"""The norm as data: versions shipped, fields, block trees."""

from __future__ import annotations

import pytest

from coursier.models.dsn.norm import (
    ROOT,
    UnknownNormVersion,
    known_versions,
    latest_norm,
    load_norm,
)


def test_shipped_versions_with_their_licence():
    from importlib.resources import files

    assert known_versions() == ["P25V01", "P26V01"]
    assert (
        "Apache" in files("coursier.models.dsn").joinpath("norms").joinpath("LICENSE").read_text()
    )
    assert latest_norm().version == "P26V01"


def test_fields_have_type_length_and_codes():
    norm = load_norm("P26V01")
    nir = norm.fields["S21.G00.30.001"]
    assert (nir.type, nir.length) == ("X", 13)
    assert {"01", "04", "07"} <= set(norm.fields["S20.G00.05.001"].options)
    assert norm.fields["S20.G00.05.002"].options["03"].startswith("déclaration annule")
    assert norm.fields["S20.G00.05.005"].type == "D"


def test_tree_places_blocks_under_their_parents():
    tree = load_norm("P26V01").tree_for("07")
    assert tree["S10.G00.00"].parent == ROOT
    assert tree["S21.G00.30"].parent == "S21.G00.11"
    assert tree["S21.G00.62"].parent == "S21.G00.40"
    assert tree["S21.G00.62"].max_occurs == 1
    assert tree["S21.G00.40"].rank < tree["S21.G00.50"].rank


def test_unknown_version():
    with pytest.raises(UnknownNormVersion, match="P26V01"):
        load_norm("P99V01")


def test_a_norm_is_read_once():
    assert load_norm("P26V01") is load_norm("P26V01")
