"""A command group whose commands are imported only when one of them is run.

Importing a command's module can take seconds (Prefect, the flows, the sandbox's FastAPI): the
group knows each lazy command by a :class:`LazyCommand` (where it lives, its one-line help), so
that ``coursier --help`` lists every command without importing any, and ``coursier dsn check``
imports the DSN commands alone (click's "lazy loading of subcommands" pattern, on typer's group).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """A command by import path: ``module:attribute``, a typer app or a command function."""

    path: str
    help: str

    def load(self, name: str) -> _click.Command:
        module, _, attribute = self.path.partition(":")
        target: Any = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            command: _click.Command = typer.main.get_group(target)
        else:  # a function: a one-command app of its own
            single = typer.Typer(add_completion=False)
            single.command(name)(target)
            command = typer.main.get_command(single)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A typer group that adds the commands of :meth:`lazy_commands`, imported on first use.

    Subclasses say which (a mapping read each time, so that a procedure registered later, in a
    test say, still gets its group)."""

    _listing = False

    def lazy_commands(self) -> Mapping[str, LazyCommand]:
        return {}

    def list_commands(self, ctx: _click.Context) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.lazy_commands() if name not in eager)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        lazy = self.lazy_commands().get(cmd_name) if command is None else None
        if lazy is None:
            return command
        if self._listing:  # the help lists it by its table entry, without importing it
            return TyperCommand(cmd_name, help=lazy.help)
        command = self.commands[cmd_name] = lazy.load(cmd_name)
        return command

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        with self._listed():
            super().format_help(ctx, formatter)

    @contextmanager
    def _listed(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False
