"""Paths built from user data stay inside their folder, whatever ``..``, absolute parts or
symbolic links they hold; and every code the portfolio accepts makes such a path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursier.models.portfolio import slug
from coursier.models.safe_paths import UnsafePath, inside, safe_name


def test_a_path_inside_its_folder_is_returned_resolved(tmp_path: Path) -> None:
    (tmp_path / "aer").mkdir()
    assert inside(tmp_path / "aer", "CCH_001", "2026-01", "f-AER-1.pdf") == (
        tmp_path.resolve() / "aer" / "CCH_001" / "2026-01" / "f-AER-1.pdf"
    )
    assert inside(tmp_path / "aer" / ".." / "aer", "x") == tmp_path.resolve() / "aer" / "x"


@pytest.mark.parametrize(
    "parts",
    [
        ("../../../x", "2026-01", "f.pdf"),
        ("..",),
        ("a", "..", "..", "b"),
        ("/etc/passwd",),
        ("a", "/tmp/x"),
        (".",),
        ("",),
        ("a\x00b",),
    ],
    ids=repr,
)
def test_an_escape_is_refused_and_nothing_is_created(
    tmp_path: Path, parts: tuple[str, ...]
) -> None:
    folder = tmp_path / "aer"
    folder.mkdir()
    with pytest.raises(UnsafePath, match="sortirait du dossier") as caught:
        inside(folder, *parts)
    assert "rien n'est écrit" in str(caught.value)
    assert list(tmp_path.iterdir()) == [folder]
    assert list(folder.iterdir()) == []


def test_a_symbolic_link_leading_out_is_refused(tmp_path: Path) -> None:
    folder, outside = tmp_path / "aer", tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    (folder / "CCH_001").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath, match=str(outside.resolve())):
        inside(folder, "CCH_001", "2026-01", "f.pdf")
    (folder / "ok").symlink_to(folder / "inner")  # a link that stays inside is fine
    assert inside(folder, "ok", "f.pdf") == folder.resolve() / "inner" / "f.pdf"


def test_a_symbolic_link_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(UnsafePath, match="chemin illisible"):
        inside(tmp_path, "a", "x")


def test_a_folder_that_is_itself_a_link_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "var")
    assert inside(tmp_path / "var", "CCH_001") == real.resolve() / "CCH_001"


def _accepted(code: str) -> bool:
    try:
        safe_name(code)
        slug(code)
    except ValueError:
        return False
    return code == code.strip()


@given(st.text(min_size=1, max_size=80))
def test_every_code_the_portfolio_accepts_makes_a_path_inside_its_folder(code: str) -> None:
    if not _accepted(code):
        return
    folder = Path("/srv/coursier/var/aer")
    target = inside(folder, code, "2026-01", "f.pdf")
    assert target.parent.parent.parent == folder.resolve()
    assert target.parent.parent.name == code
