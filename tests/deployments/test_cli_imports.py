"""The command line imports only what a command needs: ``coursier --help`` and ``coursier dsn
check`` import no Prefect (nor httpx, SQLAlchemy, FastAPI), and the help lists every command
group from its table without importing it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from typer.testing import CliRunner

from coursier.deployments.cli import app, lazy_commands
from coursier.models.dsn import samples, writer
from tests.models.dsn.builders import EMPLOYER

#: pydantic_settings too: the settings model took a third of `dsn check`'s start (see layout.py).
HEAVY = ("prefect", "httpx", "sqlalchemy", "fastapi", "uvicorn", "alembic", "pydantic_settings")

#: Runs the console script's entry point in a fresh interpreter, then says what it imported.
PROGRAM = """
import json, sys
arguments, watched = map(json.loads, sys.argv[1:])
sys.argv = ["coursier", *arguments]
from coursier.deployments.entry import main
try:
    main()
except SystemExit as done:
    code = done.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(watched))
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def run_fresh(tmp_path, *args: str) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(args), json.dumps(HEAVY)],
        env={"PATH": "/usr/bin:/bin", "COURSIER_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "petit.dsn"
    path.write_bytes(writer.write_bytes(samples.monthly_dsn(EMPLOYER, date(2026, 10, 1), 2)))
    return path


def test_dsn_check_imports_neither_prefect_nor_the_store(tmp_path, small_file):
    seen, output = run_fresh(tmp_path, "dsn", "check", str(small_file))
    assert seen == {"code": 0, "heavy": []}
    assert "déposable" in output


def test_a_usage_error_of_dsn_check_imports_no_prefect(tmp_path):
    seen, _ = run_fresh(tmp_path, "dsn", "check", "--pas-une-option")
    assert seen == {"code": 2, "heavy": []}


def test_the_help_lists_every_group_without_importing_them(tmp_path):
    seen, output = run_fresh(tmp_path, "--help")
    assert seen == {"code": 0, "heavy": []}
    for name, command in lazy_commands().items():
        assert name in output
        assert command.help.split()[0] in output


def test_each_group_is_listed_with_its_own_help():
    """The table's line is the group's own: they cannot drift apart."""
    for name, lazy in lazy_commands().items():
        assert lazy.load(name).get_short_help_str(limit=500) == lazy.help, name


def test_a_lazy_group_runs_like_an_eager_one():
    result = CliRunner().invoke(app, ["portfolio", "--help"])
    assert result.exit_code == 0
    assert "import" in result.output
    assert "install-completion" not in result.output
