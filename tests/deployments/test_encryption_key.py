"""Prefect's block encryption key lives in a 0600 file of its own, never in Prefect's database:
a copy of ``prefect.db`` alone decrypts no password, and the credentials still load."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.deployments.encryption_key import (
    VARIABLE,
    EncryptionKeyError,
    KeySource,
    ensure_key_file,
    key_in_prefect_database,
    new_key,
    settle_key,
)
from coursier.deployments.home import world_variables
from coursier.settings import CoursierSettings

COURSIER = str(Path(sys.executable).parent / "coursier")
PASSWORD = "Mdp-Tres-Secret-2026"
runner = CliRunner()


def settings_at(home: Path) -> CoursierSettings:
    return CoursierSettings(home=home)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def prefect_database_with_key(settings: CoursierSettings, key: str) -> Path:
    """A prefect.db as Prefect leaves it when it generated its key itself."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    database = settings.prefect_home / "prefect.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE configuration (id TEXT, key TEXT UNIQUE, value JSON)")
        db.execute(
            "INSERT INTO configuration VALUES ('1', 'ENCRYPTION_KEY', ?)",
            (json.dumps({"fernet_key": key}),),
        )
    return database


def test_a_fresh_key_is_prefects_format_in_a_private_file(tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    settled = settle_key({}, settings)
    assert settled.source is KeySource.CREATED
    key_file = settings.encryption_key_file
    assert key_file.read_text().strip() == settled.value
    assert (mode(key_file), mode(key_file.parent)) == (0o600, 0o700)
    assert not key_file.is_relative_to(settings.prefect_home)
    fernet = Fernet(settled.value.encode())  # Prefect builds exactly this from the variable
    assert fernet.decrypt(fernet.encrypt(b"motdepasse")) == b"motdepasse"
    assert settled.value not in repr(settled)


def test_an_existing_key_is_never_replaced(tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    first = settle_key({}, settings)
    before = settings.encryption_key_file.read_bytes()
    again = settle_key({}, settings)
    assert (again.value, again.source) == (first.value, KeySource.FILE)
    assert settings.encryption_key_file.read_bytes() == before


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    start = threading.Barrier(12)
    results = []

    def first_use() -> None:
        start.wait()
        results.append(ensure_key_file(settings.encryption_key_file, tmp_path / "none.db"))

    threads = [threading.Thread(target=first_use) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.value for r in results}) == 1
    assert [r.source for r in results].count(KeySource.CREATED) == 1
    assert results[0].value == settings.encryption_key_file.read_text().strip()
    assert [p.name for p in settings.encryption_key_file.parent.iterdir()] == [
        "prefect-encryption.key"
    ]  # no temporary file left behind


@pytest.mark.parametrize(
    "content",
    ["", "pas-une-cle", new_key()[:-4], "é" * 44, new_key() + new_key(), new_key() + "x"],
    ids=["empty", "words", "truncated", "not-ascii", "two-keys", "trailing-junk"],
)
def test_a_tampered_key_file_is_refused_naming_it(tmp_path: Path, content: str) -> None:
    settings = settings_at(tmp_path)
    key_file = settings.encryption_key_file
    key_file.parent.mkdir(mode=0o700)
    key_file.write_text(content)
    key_file.chmod(0o600)
    with pytest.raises(EncryptionKeyError) as refused:
        settle_key({}, settings)
    assert str(key_file) in str(refused.value)
    assert "Fernet" in str(refused.value)
    assert key_file.read_text() == content  # left for the user to look at, not overwritten


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    key = settle_key({}, settings).value
    settings.encryption_key_file.chmod(0o644)
    with pytest.raises(EncryptionKeyError) as refused:
        settle_key({}, settings)
    assert f"chmod 600 {settings.encryption_key_file}" in str(refused.value)
    assert key not in str(refused.value)


def test_a_key_from_the_environment_wins_and_writes_nothing(tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    given = new_key()
    settled = settle_key({VARIABLE: given}, settings)
    assert (settled.value, settled.source) == (given, KeySource.ENVIRONMENT)
    assert not settings.encryption_key_file.exists()


def test_a_bad_key_in_the_environment_is_named_not_quoted(tmp_path: Path) -> None:
    junk = "secret-du-coffre-mal-copie"
    with pytest.raises(EncryptionKeyError) as refused:
        settle_key({VARIABLE: junk}, settings_at(tmp_path))
    assert VARIABLE in str(refused.value)
    assert junk not in str(refused.value)


def test_prefects_own_key_moves_out_of_its_database(tmp_path: Path) -> None:
    """State made before: Prefect generated its key into prefect.db; the credentials saved
    with it must stay readable, and the key must leave the database."""
    settings = settings_at(tmp_path)
    old_key = new_key()
    database = prefect_database_with_key(settings, old_key)
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO configuration VALUES ('2', 'OTHER', '{}')")
    settled = settle_key({}, settings)
    assert (settled.value, settled.source) == (old_key, KeySource.ADOPTED)
    assert settings.encryption_key_file.read_text().strip() == old_key
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT key FROM configuration").fetchall() == [("OTHER",)]


def test_commands_that_do_not_need_prefect_write_no_key(tmp_path: Path) -> None:
    variables = world_variables(tmp_path, {}, with_key=False)
    assert VARIABLE not in variables
    assert not (tmp_path / "secrets").exists()
    with_key = world_variables(tmp_path, {})
    assert with_key[VARIABLE] == (tmp_path / "secrets/prefect-encryption.key").read_text().strip()


def coursier(*args: str, home: Path, input: str | None = None) -> subprocess.CompletedProcess:
    """The console script as a user runs it: no Prefect variable, a Prefect of its own (given
    the time a loaded machine needs to start it: Prefect's 20 s failed in a parallel run)."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home.parent),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    return subprocess.run(
        [COURSIER, "--home", str(home), *args],
        env=environment,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.long
def test_saved_credentials_leave_no_key_in_prefects_database_and_still_load(
    tmp_path: Path,
) -> None:
    home = tmp_path / "coursier"
    saved = coursier(
        *("credentials", "set", "--scope", "application", "--environment", "test"),
        *("--siret", "99900000300015", "--last-name", "declarant", "--first-name", "declarant"),
        "--password-stdin",
        home=home,
        input=PASSWORD + "\n",
    )
    assert saved.returncode == 0, saved.stderr
    key = (home / "secrets/prefect-encryption.key").read_text().strip()
    database = home / "prefect/prefect.db"
    stored = b"".join(p.read_bytes() for p in database.parent.glob("prefect.db*"))
    for secret in (key.encode(), PASSWORD.encode()):
        assert secret not in stored
    with sqlite3.connect(database) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM configuration")]
        blocks = dict(db.execute("SELECT name, data FROM block_document"))
    assert "ENCRYPTION_KEY" not in keys
    # Encrypted with the file's key: a copy of prefect.db without it decrypts nothing.
    data = json.loads(
        Fernet(key.encode()).decrypt(json.loads(blocks["net-entreprises--application"]))
    )
    assert data["password"] == PASSWORD

    listed = coursier("credentials", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)] == ["net-entreprises--application"]
    assert PASSWORD not in listed.stdout + listed.stderr


def test_init_writes_the_key_once_and_takes_the_environments(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    home = tmp_path / "etat"
    created = runner.invoke(app, ["--home", str(home), "init"])
    assert created.exit_code == 0, created.output
    assert "créée" in created.stdout
    key = (home / "secrets/prefect-encryption.key").read_text()
    kept = runner.invoke(app, ["--home", str(home), "init"])
    assert "déjà présente" in kept.stdout
    assert (home / "secrets/prefect-encryption.key").read_text() == key
    monkeypatch.setenv(VARIABLE, new_key())
    other = tmp_path / "prod"
    from_environment = runner.invoke(app, ["--home", str(other), "init"])
    assert "aucun fichier écrit" in from_environment.stdout
    assert not (other / "secrets").exists()
    for output in (created.output, kept.output):
        assert key.strip() not in output


def test_where_warns_of_a_key_left_in_prefects_database_and_init_removes_it(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    settings = settings_at(tmp_path)
    key = settle_key({}, settings).value
    database = prefect_database_with_key(settings, key)  # a server started without the key
    assert "contient sa propre clé" in runner.invoke(app, ["--home", str(tmp_path), "where"]).stdout
    cleaned = runner.invoke(app, ["--home", str(tmp_path), "init"])
    assert "retirée" in cleaned.stdout
    assert key_in_prefect_database(database) is None
    assert "Attention" not in runner.invoke(app, ["--home", str(tmp_path), "where"]).stdout


def test_init_says_when_prefects_database_holds_another_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    settings = settings_at(tmp_path)
    settle_key({}, settings)
    other = new_key()
    database = prefect_database_with_key(settings, other)
    warned = runner.invoke(app, ["--home", str(tmp_path), "init"])
    assert "une autre clé" in warned.stdout
    assert key_in_prefect_database(database) == other  # not ours to remove: blocks may need it
    assert other not in warned.output
