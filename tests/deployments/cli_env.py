"""The environment of a CLI test: the store under tmp_path and a known operator."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from coursier.settings import CoursierSettings
from coursier.store import Store, open_store

OPERATOR = "alice"


def point_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sends ``COURSIER_HOME`` and the store to ``tmp_path``, the OS user to ``OPERATOR``;
    returns the store's URL."""
    url = f"sqlite:///{tmp_path / 'coursier.db'}"
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path))
    monkeypatch.setenv("COURSIER_DATABASE_URL", url)
    monkeypatch.setattr(getpass, "getuser", lambda: OPERATOR)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables at full width
    return url


def cli_store() -> Store:
    """The store the CLI uses, as the environment points at it."""
    return open_store(CoursierSettings().effective_database_url())
