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
