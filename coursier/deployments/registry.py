"""The procedures coursier runs: each declares itself here once, and serving, ``coursier rerun``
and the command line read them from here.

A registration (:class:`Procedure`) says, in one place: its name; its flows, each by import
path (``module:attribute``, so that reading the registry imports no flow and no Prefect) with
the noun of its items and its deployments (name, description, tags, schedules as cron plus an
IANA time zone: Europe/Paris for a French procedure, Europe/Brussels for a Belgian one); and
its command group (``coursier dsn …``), by import path too; and its step of the month-end
cycle (:class:`MonthEndStep`), if it has one.

Adding a procedure (the PAS CRM, say) touches no shared module:

1. write ``coursier/deployments/pas_procedure.py`` (a module whose name ends in ``_procedure``:
   the registry imports every such module of this package the first time it is asked what is
   registered);
2. in it, call at module level::

       register(Procedure(
           name="pas",
           flows=(ProcedureFlow("pas-crm", "coursier.flows.pas_crm:pas_crm",
                                Noun("salarié", "salariés"), (DeploymentSpec(...),)),),
           cli=CliGroup("pas", "coursier.deployments.pas_cli:app"),
       ))

``coursier serve`` then serves its deployments, ``coursier rerun`` replays its runs, and its
command group is on the command line.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODULE_SUFFIX = "_procedure"
PARIS = "Europe/Paris"
BRUSSELS = "Europe/Brussels"


class RegistrationError(ValueError):
    """A procedure, flow, deployment or command group registered twice, or ill-declared."""


@dataclass(frozen=True)
class Schedule:
    """When a deployment runs: a cron expression read in an IANA time zone."""

    cron: str
    timezone: str

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RegistrationError(
                f"fuseau horaire {self.timezone!r} inconnu : écrivez un nom IANA "
                f"(« {PARIS} », « {BRUSSELS} »)"
            ) from None
        if len(self.cron.split()) != 5:
            raise RegistrationError(
                f"planification {self.cron!r} : cinq champs cron attendus (minute heure jour "
                "mois jour-de-semaine)"
            )


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment of a flow: on demand when it has no schedule."""

    name: str
    description: str
    tags: tuple[str, ...] = ()
    schedules: tuple[Schedule, ...] = ()


@dataclass(frozen=True)
class Noun:
    """What a flow's items are called in messages: « fichier », « fichiers »."""

    singular: str
    plural: str


@dataclass(frozen=True)
class ProcedureFlow:
    """A flow of a procedure: ``name`` is its Prefect name (``@flow(name=…)``)."""

    name: str
    entrypoint: str  # "module:attribute"
    items: Noun
    deployments: tuple[DeploymentSpec, ...] = ()

    def __post_init__(self) -> None:
        _check_entrypoint(self.entrypoint)

    def load(self) -> Any:
        """The flow object (imports its module, and Prefect)."""
        return load(self.entrypoint)


@dataclass(frozen=True)
class CliGroup:
    """A procedure's command group: ``coursier <name> …``, the typer app at ``app``."""

    name: str
    app: str  # "module:attribute"
    help: str = ""  # its line in `coursier --help`, listed without importing it

    def __post_init__(self) -> None:
        _check_entrypoint(self.app)


@dataclass(frozen=True)
class MonthEndStep:
    """A procedure's part of the month-end cycle ``make demo`` runs: ``run`` (``module:attribute``)
    takes a :class:`coursier.deployments.month_end.Cycle` and returns its summary lines; steps
    run by ``rank`` (DSN deposit and returns 10, PAS CRM 30, HR sync 40, client import 50,
    Cegid Flow 60)."""

    rank: int
    title: str  # the heading printed when the step starts
    run: str  # "module:attribute"

    def __post_init__(self) -> None:
        _check_entrypoint(self.run)


@dataclass(frozen=True)
class Procedure:
    name: str
    flows: tuple[ProcedureFlow, ...]
    cli: CliGroup | None = None
    month_end: MonthEndStep | None = None


def load(entrypoint: str) -> Any:
    """The object a ``module:attribute`` path names."""
    module, attribute = entrypoint.split(":")
    return getattr(importlib.import_module(module), attribute)


def _check_entrypoint(entrypoint: str) -> None:
    module, _, attribute = entrypoint.partition(":")
    if not (module and attribute) or ":" in attribute:
        raise RegistrationError(f"chemin {entrypoint!r} : écrivez « module:attribut »")


_registered: dict[str, Procedure] = {}
_lock = threading.Lock()


def register(procedure: Procedure) -> Procedure:
    """Add a procedure; its name, flow names, deployment names and command group are unique."""
    with _lock:
        taken = set(_names(_registered.values()))
        for kind, name in _names([procedure]):
            if (kind, name) in taken:
                raise RegistrationError(f"{kind} {name!r} déjà enregistré ({procedure.name})")
        _registered[procedure.name] = procedure
    return procedure


def unregister(name: str) -> None:
    """Take a procedure off (a test's fake one)."""
    with _lock:
        _registered.pop(name, None)


def registered() -> tuple[Procedure, ...]:
    """Every registered procedure, in the order registered, this package's ``*_procedure``
    modules imported first."""
    _discover()
    with _lock:
        return tuple(_registered.values())


def flow_named(name: str) -> ProcedureFlow | None:
    """The registered flow whose Prefect name is ``name``."""
    return next((f for p in registered() for f in p.flows if f.name == name), None)


def month_end_steps() -> list[MonthEndStep]:
    """The month-end cycle: every procedure's step, by rank."""
    return sorted((p.month_end for p in registered() if p.month_end), key=lambda s: s.rank)


def cli_groups() -> list[tuple[str, Any]]:
    """(name, typer app) of every procedure's command group (imports their modules)."""
    return [(p.cli.name, load(p.cli.app)) for p in registered() if p.cli]


def _names(procedures: Iterable[Procedure]) -> list[tuple[str, str]]:
    """What must be unique, in declaration order (the first clash is the one reported)."""
    names = []
    for procedure in procedures:
        names.append(("procédure", procedure.name))
        for flow in procedure.flows:
            names.append(("flow", flow.name))
            names += [("déploiement", d.name) for d in flow.deployments]
        if procedure.cli:
            names.append(("groupe de commandes", procedure.cli.name))
    return names


@functools.cache
def _discover() -> None:
    """Import each ``*_procedure`` module of this package once: importing one registers it."""
    import coursier.deployments as package

    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.name.endswith(MODULE_SUFFIX):
            importlib.import_module(f"{package.__name__}.{module.name}")
