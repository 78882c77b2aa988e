"""Where a coursier world lives, and the environment its processes run with.

The home comes from ``--home`` (for one command), else ``COURSIER_HOME``, else the user's data
directory, and is made absolute once, at the edge: a flow run or a served deployment's
subprocess that starts elsewhere still finds the same store. Prefect's home (``<home>/prefect``)
and Prefect's block encryption key follow the home: :func:`world_variables` is what the console
script exports before Prefect is imported, and what the demo gives the process of its own world.

No Prefect import here: this runs before Prefect reads its settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from coursier.deployments.encryption_key import VARIABLE as KEY_VARIABLE
from coursier.deployments.encryption_key import settle_key
from coursier.layout import HomeLayout, default_home

HOME_VARIABLE = "COURSIER_HOME"
TELEMETRY_OFF = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


class HomeError(Exception):
    """A home that cannot be used; the message says which setting and what to do."""


class HomeSource(StrEnum):
    OPTION = "option"
    ENVIRONMENT = "environment"
    DEFAULT = "default"


@dataclass(frozen=True)
class LocatedHome:
    path: Path
    source: HomeSource


def locate_home(option: str | Path | None, environ: Mapping[str, str]) -> LocatedHome:
    """The home and what chose it: ``option``, else ``COURSIER_HOME``, else the default."""
    if option is not None:
        return LocatedHome(_absolute(option, "l'option --home"), HomeSource.OPTION)
    if environ.get(HOME_VARIABLE):
        path = _absolute(environ[HOME_VARIABLE], f"la variable {HOME_VARIABLE}")
        return LocatedHome(path, HomeSource.ENVIRONMENT)
    return LocatedHome(default_home().resolve(), HomeSource.DEFAULT)


def _absolute(given: str | Path, origin: str) -> Path:
    if not str(given).strip():
        raise HomeError(f"{origin} est vide : donnez le dossier où coursier garde son état")
    return Path(given).expanduser().resolve()


def world_variables(
    home: Path, environ: Mapping[str, str], *, with_key: bool = True
) -> dict[str, str]:
    """The variables a process of the world at ``home`` gets: ``COURSIER_HOME``, Prefect's home
    under it, telemetry off (unless ``environ`` says otherwise) and, with ``with_key``,
    Prefect's block encryption key (``environ``'s, else the key file's, written on first use)."""
    settings = HomeLayout(home)  # paths only: no variable read
    variables = {
        HOME_VARIABLE: str(home),
        "PREFECT_HOME": str(settings.prefect_home),
        **{name: environ.get(name, value) for name, value in TELEMETRY_OFF.items()},
    }
    if with_key:
        variables[KEY_VARIABLE] = settle_key(environ, settings).value
    return variables
