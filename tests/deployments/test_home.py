"""One state per user whatever the current directory: ``--home``, ``COURSIER_HOME`` or the
user's data directory, made absolute once; ``coursier where`` says which and where."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.deployments.encryption_key import VARIABLE, new_key
from coursier.deployments.entry import global_options
from coursier.deployments.home import HomeError, HomeSource, locate_home, world_variables

COURSIER = str(Path(sys.executable).parent / "coursier")
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_user_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the developer's variables nor their data directory take part."""
    for name in ("COURSIER_HOME", "COURSIER_DATABASE_URL", VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--home", "a", "dsn", "control"], ("a", "dsn")),
        (["--home=a b", "where"], ("a b", "where")),
        (["where", "--home", "a"], (None, "where")),  # after the command: not the global option
        (["--help"], (None, None)),
        (["--home"], (None, None)),
        ([], (None, None)),
    ],
)
def test_the_console_script_reads_home_as_typer_does(arguments, expected) -> None:
    assert global_options(arguments) == expected


def test_option_then_variable_then_the_users_data_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    environ = {"COURSIER_HOME": "from-env"}
    assert locate_home("from-option", environ).path == tmp_path / "from-option"
    assert locate_home("from-option", environ).source is HomeSource.OPTION
    assert locate_home(None, environ).path == tmp_path / "from-env"
    assert locate_home(None, environ).source is HomeSource.ENVIRONMENT
    default = locate_home(None, {"COURSIER_HOME": ""})
    assert (default.path, default.source) == (tmp_path / "data/coursier", HomeSource.DEFAULT)


def test_the_home_is_absolute_whatever_was_typed(tmp_path, monkeypatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    assert locate_home("../state/./x/..", {}).path == tmp_path / "state"
    assert locate_home("~/paie", {}).path == tmp_path / "me/paie"
    with pytest.raises(HomeError, match="--home est vide"):
        locate_home("  ", {})


def test_the_default_does_not_depend_on_the_current_directory(tmp_path, monkeypatch) -> None:
    seen = set()
    for folder in ("a", "b/c"):
        (tmp_path / folder).mkdir(parents=True)
        monkeypatch.chdir(tmp_path / folder)
        seen.add(locate_home(None, {}).path)
    assert seen == {tmp_path / "data/coursier"}


def test_prefects_home_and_key_follow_the_home(tmp_path) -> None:
    variables = world_variables(tmp_path, {"DO_NOT_TRACK": "0"})
    assert variables["COURSIER_HOME"] == str(tmp_path)
    assert variables["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert variables["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert variables["DO_NOT_TRACK"] == "0"  # the user's choice is kept
    given = new_key()
    assert world_variables(tmp_path / "other", {VARIABLE: given})[VARIABLE] == given


def where(*arguments: str) -> str:
    result = runner.invoke(app, [*arguments, "where"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_where_names_each_place_and_what_chose_the_home(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = where("--home", "etat")
    home = tmp_path / "etat"
    assert f"{home} (option --home)" in text
    assert f"sqlite:///{home}/coursier.db" in text
    for place in (home / "prefect", home / "aer", home / "secrets/prefect-encryption.key"):
        assert str(place) in text
    assert "absente" in text
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "env"))
    assert "(variable COURSIER_HOME)" in where()
    monkeypatch.delenv("COURSIER_HOME")
    assert f"{tmp_path / 'data/coursier'} (défaut" in where()
    assert not home.exists()  # where looks, never creates


def test_where_hides_the_stores_password(monkeypatch) -> None:
    monkeypatch.setenv("COURSIER_DATABASE_URL", "postgresql://paie:Pg-s3cret@db.local:5432/paie")
    text = where()
    assert "postgresql://paie:***@db.local:5432/paie" in text
    assert "Pg-s3cret" not in text
    monkeypatch.setenv("COURSIER_DATABASE_URL", "postgresql://paie:Pg-s3cret@[db")
    assert "Pg-s3cret" not in where()


def test_where_says_when_the_key_comes_from_the_environment(monkeypatch) -> None:
    key = new_key()
    monkeypatch.setenv(VARIABLE, key)
    text = where()
    assert f"variable {VARIABLE}" in text
    assert key not in text


def run(*arguments: str, cwd: Path, home_of_user: Path) -> subprocess.CompletedProcess:
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home_of_user),
        "XDG_DATA_HOME": str(home_of_user / ".local/share"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [COURSIER, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_one_state_per_user_from_any_folder(tmp_path) -> None:
    """The reported bug: from another folder, coursier opened another store (and warned it
    could not create var/prefect)."""
    user = tmp_path / "alice"
    first, second = tmp_path / "projet", tmp_path / "ailleurs/loin"
    for folder in (user, first, second):
        folder.mkdir(parents=True)
    switched = run(
        "m2m", "on", "--operator", "alice", "--module", "dsn", cwd=first, home_of_user=user
    )
    assert switched.returncode == 0, switched.stderr
    status = run("m2m", "status", "--operator", "alice", "--json", cwd=second, home_of_user=user)
    assert status.returncode == 0, status.stderr
    assert {(row["module"], row["enabled"]) for row in json.loads(status.stdout)} >= {("dsn", True)}
    assert (user / ".local/share/coursier/coursier.db").is_file()
    assert os.listdir(first) == os.listdir(second) == []  # no var/ left where we stood
    assert "Failed to create" not in switched.stderr + status.stderr


def test_a_relative_home_option_is_resolved_where_typed(tmp_path) -> None:
    (tmp_path / "bureau").mkdir()
    shown = run("--home", "../etat", "where", cwd=tmp_path / "bureau", home_of_user=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"{tmp_path / 'etat'} (option --home)" in shown.stdout
    assert "Failed to create" not in shown.stderr
