"""Settings that locate the store: an explicit URL wins, otherwise a SQLite file under home."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursier.settings import CoursierSettings


@pytest.fixture(autouse=True)
def _no_coursier_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COURSIER_HOME", "COURSIER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_default_database_lands_under_home(tmp_path: Path) -> None:
    settings = CoursierSettings(home=tmp_path / "state")
    assert settings.effective_database_url() == f"sqlite:///{tmp_path}/state/coursier.db"
    assert settings.prefect_home == tmp_path / "state" / "prefect"


def test_default_home_is_the_users_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the current folder: one state per user."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    settings = CoursierSettings()
    assert settings.home == tmp_path / "data" / "coursier"
    assert settings.effective_database_url() == f"sqlite:///{tmp_path}/data/coursier/coursier.db"


def test_database_url_from_the_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://coursier:s3cret@db.internal/coursier"
    monkeypatch.setenv("COURSIER_DATABASE_URL", url)
    monkeypatch.setenv("COURSIER_HOME", "/srv/coursier")
    settings = CoursierSettings()
    assert settings.effective_database_url() == url
    assert settings.home == Path("/srv/coursier")
    assert settings.prefect_home == Path("/srv/coursier/prefect")


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSIER_DATABASE_URL", "postgresql://elsewhere/db")
    settings = CoursierSettings(database_url="sqlite:///explicit.db")
    assert settings.effective_database_url() == "sqlite:///explicit.db"


def test_repr_does_not_show_the_database_password() -> None:
    settings = CoursierSettings(database_url="postgresql://coursier:s3cret@db/coursier")
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings)
