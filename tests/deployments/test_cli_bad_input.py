"""Bad input, on every command: a French message, an exit code other than 0, never a traceback.

The commands are found by walking the command tree, so that a new command is swept too: an
unknown option, missing or ill-typed values, a missing file, a directory, a garbage file, empty
and hostile dossier codes, a closed standard input."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import typer
from typer import _click
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.deployments.cli_errors import french
from coursier.models.dsn import samples, writer
from tests.deployments.cli_env import point_at
from tests.models.dsn.builders import EMPLOYER
from tests.models.portfolio.samples import CSV

runner = CliRunner()
ENGLISH = ("Error", "Usage:", "Invalid value", "No such", "Missing", "does not exist", "Try '")
#: Where a listing filters on a value, an unknown one lists nothing: that is no error.
FILTERS = {("audit", "dossier"), ("audit", "flow")}
#: A value for each required parameter, so that the bad one is the only one.
GOOD = {
    "scope": "dossier",
    "siret": "99900000300015",
    "last_name": "Declarant",
    "first_name": "Jean",
    "dossier": "INCONNU",
    "flow_run_id": "6f1c4a7e-0000-4000-8000-000000000000",
}


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, ...]
    command: _click.Command

    @property
    def name(self) -> str:
        return " ".join(self.path)


def leaves() -> Iterator[Leaf]:
    """Every command that runs: the sub-commands, and the groups that run without one."""
    root = typer.main.get_command(app)

    def walk(command: _click.Command, path: tuple[str, ...], parent: Any) -> Iterator[Leaf]:
        context = _click.Context(command, info_name=path[-1] if path else "coursier", parent=parent)
        if not hasattr(command, "list_commands") or command.invoke_without_command:
            yield Leaf(path, command)
        for name in getattr(command, "list_commands", lambda _: [])(context):
            yield from walk(command.get_command(context, name), (*path, name), context)

    yield from (leaf for leaf in walk(root, (), None) if leaf.path)


LEAVES = list(leaves())


def bare(annotation: Any) -> Any:
    """``list[int] | None`` → ``int``."""
    while get_origin(annotation) is not None and get_origin(annotation) is not Literal:
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def params(leaf: Leaf) -> list[Any]:
    return [p for p in leaf.command.params if p.name not in ("help",)]


def invocation(leaf: Leaf, bad: Any = None, value: str | None = None) -> list[str]:
    """The command with its required parameters given good values, and ``bad`` given ``value``."""
    words = list(leaf.path)
    for param in params(leaf):
        if param is bad:
            given = value
        elif param.required:
            choices = getattr(getattr(param, "type_descriptor", None), "choices", None)  # the first
            given = GOOD.get(param.name) or (str(choices[0]) if choices else "x")
        else:
            continue
        words += [given] if param.param_type_name == "argument" else [param.opts[0], given]
    return words


def cases() -> Iterator[Any]:
    for leaf in LEAVES:
        yield pytest.param(
            leaf,
            [*leaf.path, "--pas-une-option"],
            "option inconnue",
            2,
            id=f"{leaf.name}: unknown option",
        )
        if any(p.required for p in params(leaf)):
            yield pytest.param(leaf, list(leaf.path), "manquant", 2, id=f"{leaf.name}: nothing")
        for param in params(leaf):
            kind = bare(param.type_descriptor.annotation)
            where = f"{leaf.name} {param.name}"
            if kind in (int, float):
                yield pytest.param(
                    leaf,
                    invocation(leaf, param, "beaucoup"),
                    "nombre",
                    2,
                    id=f"{where}: not a number",
                )
                if param.min is not None:
                    below = str(param.min - 1)
                    yield pytest.param(
                        leaf,
                        invocation(leaf, param, below),
                        "bornes",
                        2,
                        id=f"{where}: out of range",
                    )
            elif get_origin(kind) is Literal or (isinstance(kind, type) and issubclass(kind, Enum)):
                yield pytest.param(
                    leaf, invocation(leaf, param, "autre"), "parmi", 2, id=f"{where}: not a choice"
                )
            elif kind is Path:
                for what in ("missing", "directory", "garbage"):
                    yield pytest.param(
                        leaf, invocation(leaf, param, what), None, None, id=f"{where}: {what}"
                    )
            elif kind is str and param.name == "operator":
                yield pytest.param(
                    leaf, invocation(leaf, param, ""), "vide", 2, id=f"{where}: empty"
                )
            elif kind is str and (
                param.param_type_name == "argument" or param.name in (*GOOD, "key")
            ):
                for code in ("", "[/]", "../x", "[bold]x[/bold]"):
                    yield pytest.param(
                        leaf, invocation(leaf, param, code), None, None, id=f"{where}: {code!r}"
                    )


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    point_at(tmp_path, monkeypatch)
    # Nothing answers there: a command that would reach Prefect says so at once.
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "0")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "directory").mkdir()
    (tmp_path / "garbage").write_bytes(b"\xff\xfe\x00[/]\x81\n" * 50)


def assert_refused(result: Any, needle: str | None = None, code: int | None = None) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    # A usage error is said on standard error; a file's self-check is its report (dsn check).
    said = result.stderr if result.exit_code == 2 else result.output
    assert said.strip(), result.output
    assert not [word for word in ENGLISH if word in said], said
    if needle is not None:
        assert needle in said


@pytest.mark.parametrize(("leaf", "words", "needle", "code"), list(cases()))
def test_bad_input_is_refused_in_french(leaf, words, needle, code, request):
    if leaf.name.startswith("credentials"):
        # The session's Prefect API, else each worker starts an ephemeral one (20 s here).
        request.getfixturevalue("prefect_api")
    result = runner.invoke(app, words)
    filtered = any((leaf.name, p.name) in FILTERS and p.opts[0] in words for p in params(leaf))
    if filtered and needle is None and result.exit_code == 0:  # an unknown filter: no rows
        assert "Traceback" not in result.output
        assert result.exception is None
        return
    assert_refused(result, needle, code)


def test_the_sweep_reaches_every_command():
    names = {leaf.name for leaf in LEAVES}
    assert {"dsn check", "dsn deposit", "portfolio list", "credentials set", "audit"} <= names
    assert len(list(cases())) > 4 * len(LEAVES)


@pytest.mark.parametrize("stdin", ["none", "closed"])
def test_a_closed_standard_input_is_a_message(stdin, monkeypatch):
    for leaf in LEAVES:
        for param in params(leaf):
            if param.opts[0].endswith("-stdin"):
                words = [*invocation(leaf), param.opts[0]]
                result = ClosedStdinRunner(stdin).invoke(app, words)
                assert_refused(result, "entrée standard")


class ClosedStdinRunner(CliRunner):
    """A runner whose command finds standard input closed, or absent (``0<&-``)."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how

    def isolation(self, *args: Any, **kwargs: Any) -> Any:
        outer = super().isolation(*args, **kwargs)
        how = self.how

        class Closed:
            def __enter__(self) -> Any:
                streams = outer.__enter__()
                if how == "none":
                    sys.stdin = None
                else:
                    sys.stdin.close()
                return streams

            def __exit__(self, *exc: Any) -> Any:
                return outer.__exit__(*exc)

        return Closed()


def test_a_deposit_checks_its_inbox_before_starting_a_flow(tmp_path):
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    assert runner.invoke(app, ["portfolio", "import", "p.csv"]).exit_code == 0
    result = runner.invoke(app, ["dsn", "deposit", "CCH_001", "--inbox", str(tmp_path / "no")])
    assert_refused(result, "introuvable", 2)
    small = tmp_path / "petit.dsn"
    small.write_bytes(writer.write_bytes(samples.monthly_dsn(EMPLOYER, date(2026, 10, 1), 1)))
    result = runner.invoke(app, ["dsn", "deposit", "CCH_001", str(small), "directory"])
    assert_refused(result, "c'est un dossier", 2)


def test_listing_a_portfolio_whose_values_look_like_markup(tmp_path):
    hostile = CSV.replace("Acme Paris", "[/] Acme [bold]Paris")
    (tmp_path / "p.csv").write_text(hostile, encoding="utf-8")
    assert runner.invoke(app, ["portfolio", "import", "p.csv"]).exit_code == 0
    result = runner.invoke(app, ["portfolio", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "[/] Acme [bold]Paris" in result.output


@pytest.mark.parametrize(
    ("english", "expected"),
    [
        ("No such option: --x", "option inconnue : --x"),
        (
            "No such option: --jsn (Possible options: --json)",
            "option inconnue : --jsn (options possibles : --json)",
        ),
        ("Missing argument 'FILES...'.", "argument manquant : FILES...."),
        ("Missing option '--scope'.", "option manquante : --scope."),
        (
            "Invalid value for 'FILE': File 'a.csv' does not exist.",
            "valeur invalide pour 'FILE' : « a.csv » introuvable : vérifiez le chemin.",
        ),
        (
            "Invalid value for '--format': 'x' is not one of 'csv', 'yaml'.",
            "valeur invalide pour '--format' : 'x' n'est pas parmi 'csv', 'yaml'.",
        ),
        (
            "No such command 'dns'. Did you mean 'dsn'?",
            "commande inconnue : « dns ». Vouliez-vous dire 'dsn' ?",
        ),
        ("Got unexpected extra argument (b)", "argument(s) en trop : b"),
        ("déjà en français", "déjà en français"),
    ],
)
def test_clicks_usage_messages_are_said_in_french(english, expected):
    assert french(english) == expected
