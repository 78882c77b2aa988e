"""``coursier init``'s last step: the firm's call budgets as rate limits on the Prefect server
it is pointed at (created once, then left as they are), a word and no server call when none is
configured, and an unreachable server said without a traceback."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from typer.testing import CliRunner

from coursier.connectors.rate_limits import BUDGETS
from coursier.deployments.cli import app

COURSIER = str(Path(sys.executable).with_name("coursier"))
ADMINPULSE = BUDGETS["adminpulse"]


def test_init_creates_the_rate_limits_on_the_server_once(prefect_api, tmp_path: Path) -> None:
    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectNotFound):  # the local server made it: init makes it
            client.delete_global_concurrency_limit_by_name(ADMINPULSE.name)
        first = CliRunner().invoke(app, ["--home", str(tmp_path), "init"])
        assert first.exit_code == 0, first.output
        assert f"Limite de débit {ADMINPULSE.name} (480 appels en 60 s" in first.stdout
        assert "créée ou corrigée" in first.stdout
        found = client.read_global_concurrency_limit_by_name(ADMINPULSE.name)
    assert (found.limit, found.slot_decay_per_second) == (ADMINPULSE.burst, ADMINPULSE.decay)
    again = CliRunner().invoke(app, ["--home", str(tmp_path), "init"])
    assert "déjà en place" in again.stdout


def init_as_a_user(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **variables}
    return subprocess.run(
        [COURSIER, "--home", str(tmp_path / "home"), "init"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_without_a_server_creates_the_key_and_says_where_limits_come_from(
    tmp_path: Path,
) -> None:
    done = init_as_a_user(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "pas de serveur Prefect (PREFECT_API_URL)" in done.stdout
    assert (tmp_path / "home/secrets/prefect-encryption.key").exists()


def test_init_with_a_server_down_says_so_without_a_traceback(tmp_path: Path) -> None:
    down = init_as_a_user(tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert down.returncode == 1
    assert "le serveur Prefect ne répond pas" in down.stderr
    assert "Traceback" not in down.stderr
    assert os.path.exists(tmp_path / "home/secrets/prefect-encryption.key")
