"""The console script: a store that cannot be opened is one French line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

COURSIER = str(Path(sys.executable).parent / "coursier")


@pytest.mark.parametrize("command", [["dsn", "control"], ["audit"], ["m2m", "status"]])
def test_an_unreachable_store_is_one_clear_line(tmp_path, command):
    environment = {
        "COURSIER_HOME": str(tmp_path),
        "COURSIER_DATABASE_URL": "postgresql://paie:s3cret-Pg@127.0.0.1:1/coursier",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [COURSIER, *command], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "127.0.0.1:1/coursier" in done.stderr
    assert "s3cret-Pg" not in done.stderr + done.stdout


LATE = RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")


def test_prefect_starting_too_late_is_one_french_line(monkeypatch, tmp_path, capsys):
    """On a loaded machine Prefect's own server may start after its timeout: a bare
    RuntimeError that would have been a traceback."""
    import coursier.deployments.cli as cli
    from coursier.deployments import entry

    def late() -> None:
        raise LATE

    monkeypatch.setenv("COURSIER_HOME", str(tmp_path))
    monkeypatch.setattr(cli, "app", late)
    monkeypatch.setattr(sys, "argv", ["coursier", "where"])
    with pytest.raises(SystemExit) as exited:
        entry.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "le serveur Prefect local n'a pas démarré à temps" in err
    assert "Traceback" not in err


def test_another_runtime_error_is_not_hidden(monkeypatch, tmp_path):
    import coursier.deployments.cli as cli
    from coursier.deployments import entry

    def broken() -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setenv("COURSIER_HOME", str(tmp_path))
    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr(sys, "argv", ["coursier", "where"])
    with pytest.raises(RuntimeError, match="a bug of ours"):
        entry.main()
