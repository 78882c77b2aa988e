"""The ``coursier`` console script: settles the environment once, before Prefect is imported.

This is the one place that writes the environment, before anything reads it; the commands, the
flow runs and the served deployments' subprocesses then all see the same world:

- ``COURSIER_HOME``: ``--home DIR`` (given before the command), else ``COURSIER_HOME``, made
  absolute; left unset for the default (the user's data directory, found again by any process);
- ``PREFECT_HOME``: ``<home>/prefect``, which Prefect reads when it is first imported;
- ``PREFECT_SERVER_ENCRYPTION_KEY``: the environment's, else ``<home>/secrets/…``, written on
  first use, so the server (ephemeral, local or ``make ui``) never keeps it in its database.

``where`` and ``init`` get no key (they show it and create it), nor does ``demo``, which never
touches the user's Prefect: it runs in a world of its own, in a child process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

KEYLESS_COMMANDS = frozenset({None, "where", "init", "demo"})


def main() -> None:
    from coursier.deployments.encryption_key import EncryptionKeyError
    from coursier.deployments.home import (
        HOME_VARIABLE,
        HomeError,
        HomeSource,
        locate_home,
        world_variables,
    )

    home, command = global_options(sys.argv[1:])
    try:
        located = locate_home(home, os.environ)
        variables = world_variables(
            located.path, os.environ, with_key=command not in KEYLESS_COMMANDS
        )
        # Prefect creates its home when imported, but not the folders above it.
        Path(variables["PREFECT_HOME"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    except (HomeError, EncryptionKeyError) as error:
        _fail(str(error))
    except OSError as error:
        _fail(
            f"impossible de créer {error.filename} ({error.strerror}) : choisissez un dossier "
            "d'état où vous pouvez écrire (--home ou COURSIER_HOME)"
        )
    if located.source is HomeSource.DEFAULT:
        del variables[HOME_VARIABLE]  # so that `coursier where` can still say it is the default
    os.environ.update(variables)

    from coursier.deployments.cli import app
    from coursier.deployments.prefect_errors import EPHEMERAL_LATE, ephemeral_prefect_late

    try:
        app()
    except Exception as error:
        if _store_unavailable(error):
            _fail(str(error))  # already says which store and what to do
        if ephemeral_prefect_late(error):
            _fail(EPHEMERAL_LATE)
        raise


def _store_unavailable(error: Exception) -> bool:
    """Whether ``error`` is the store's ``StoreUnavailable``: looked up only when a command has
    imported the store (importing it takes a second that ``coursier dsn check`` does without)."""
    database = sys.modules.get("coursier.store.database")
    return database is not None and isinstance(error, database.StoreUnavailable)


def _fail(message: str) -> NoReturn:
    print(f"Erreur : {message}", file=sys.stderr)
    raise SystemExit(1)


def global_options(arguments: Sequence[str]) -> tuple[str | None, str | None]:
    """``--home`` and the command, read as typer will: the options before the first word."""
    home = None
    rest = iter(arguments)
    for argument in rest:
        if argument == "--home":
            home = next(rest, None)  # missing: typer says the option needs a value
        elif argument.startswith("--home="):
            home = argument.removeprefix("--home=")
        elif not argument.startswith("-"):
            return home, argument
    return home, None
