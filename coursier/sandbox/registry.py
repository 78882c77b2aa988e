"""The platforms the sandbox serves: each declares itself here once, and the server mounts them all.

A registration (:class:`SandboxPlatform`) says, in one place:

- ``prefix``: where it is mounted (``/net-entreprises``), also its state's name;
- ``new_state``: its state, from its registration and the server's settings (seed, clock, knobs);
  a state is anything with a ``name``, a ``clock``, a ``faults`` board and ``reset()``
  (:class:`SandboxState`);
- ``create_app``: the FastAPI app over that state, built on
  :func:`coursier.sandbox.platform_app.platform_app` (which mounts the declared routers, the
  inspection routes and fault injection) plus what is the platform's own;
- ``routers``: its routes, as clients call them; the routes faults may target follow from them
  (``fault_routes``: ``*`` and each path's first segment, the names the FaultBoard uses);
- ``inspection``: its own test-only routes under ``/_sandbox/``, beside the ones every platform
  has (faults, clock, reset: :mod:`.inspection`).

Adding a platform (Securex, say) touches no shared module:

1. write ``coursier/sandbox/securex_platform.py`` (a module or package whose name ends in
   ``_platform``: the registry imports every such module of this package the first time it is
   asked what is registered);
2. in it, write its state class (:class:`SandboxState`), its routers, ``new_state`` and
   ``create_app``, and call, at module level::

       register(SandboxPlatform(
           prefix="securex", new_state=new_state, create_app=create_securex_app,
           routers=ROUTERS, inspection=INSPECTION,
       ))

``SandboxServer`` then serves it, faults on its routes are accepted (and on no other), and
``tests/sandbox/test_registry.py`` checks that the app serves exactly the routes it declares.
Only a knob the server's callers must set (as the DSN return delays) would be shared: a field
of :class:`ServerSettings` and an argument of ``SandboxServer``.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from coursier.sandbox import inspection
from coursier.sandbox.clock import Clock
from coursier.sandbox.documents import ReturnDelays
from coursier.sandbox.faults import EVERY_ROUTE, INSPECTION, FaultBoard

PREFIX = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_SUFFIX = "_platform"


class SandboxState(Protocol):
    """What the server and the common inspection routes need of a platform's state."""

    name: str
    clock: Clock
    faults: FaultBoard

    def reset(self) -> None: ...


@dataclass(frozen=True)
class ServerSettings:
    """What a server gives every platform's state; each reads the knobs it has."""

    seed: int
    clock: Clock
    return_delays: ReturnDelays = field(default_factory=ReturnDelays)
    token_lifetime_s: int = 3600
    answer_backoff_s: float = 0.0


class RegistrationError(ValueError):
    """A platform registered twice, or whose routes the sandbox could not mount or fault."""


def _segments(routers: tuple[APIRouter, ...]) -> list[tuple[str, str]]:
    """(``METHOD /path``, first segment) of every route of ``routers``, a method a line."""
    found = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):  # a sub-router: its routes would go unseen
                raise RegistrationError(
                    "un routeur en inclut un autre : déclarez chaque routeur à plat "
                    "(routers=(routeur_a, routeur_b))"
                )
            first = route.path.lstrip("/").split("/", 1)[0]
            found.extend((f"{method} {route.path}", first) for method in sorted(route.methods))
    return found


@dataclass(frozen=True)
class SandboxPlatform:
    """One platform app: its prefix, state, app, routes and inspection routes."""

    prefix: str
    new_state: Callable[[SandboxPlatform, ServerSettings], Any]
    create_app: Callable[[SandboxPlatform, Any], FastAPI]
    routers: tuple[APIRouter, ...]
    inspection: tuple[APIRouter, ...] = ()

    def __post_init__(self) -> None:
        if not PREFIX.match(self.prefix):
            raise RegistrationError(
                f"préfixe de plateforme {self.prefix!r} invalide : minuscules, chiffres et "
                "tirets (« net-entreprises »)"
            )
        for route, first in _segments(self.routers):
            if first in ("", EVERY_ROUTE, INSPECTION) or "{" in first:
                raise RegistrationError(
                    f"{self.prefix} : la route {route} ne commence pas par un nom fixe "
                    f"(ni « {INSPECTION} ») : les pannes ne sauraient la viser"
                )
        for route, first in _segments(self.inspection):
            if first != INSPECTION:
                raise RegistrationError(
                    f"{self.prefix} : la route d'inspection {route} doit être sous /{INSPECTION}/"
                )

    @property
    def routes(self) -> tuple[str, ...]:
        """Its routes as ``METHOD /path`` (clients' routes, not inspection)."""
        return tuple(route for route, _ in _segments(self.routers))

    @property
    def fault_routes(self) -> tuple[str, ...]:
        """``*`` and the first segment of each route: what a fault rule may name."""
        return (EVERY_ROUTE, *dict.fromkeys(first for _, first in _segments(self.routers)))

    @property
    def inspection_routes(self) -> tuple[str, ...]:
        """Its ``/_sandbox/`` routes, the common ones first."""
        return tuple(route for route, _ in _segments((inspection.router, *self.inspection)))


_registered: dict[str, SandboxPlatform] = {}
_lock = threading.Lock()


def register(platform: SandboxPlatform) -> SandboxPlatform:
    """Add a platform for every server started from now on; a prefix is registered once."""
    with _lock:
        if platform.prefix in _registered:
            raise RegistrationError(f"plateforme {platform.prefix!r} déjà enregistrée")
        _registered[platform.prefix] = platform
    return platform


def unregister(prefix: str) -> None:
    """Take a platform off (a test's fake one); servers already built keep serving it."""
    with _lock:
        _registered.pop(prefix, None)


def registered() -> tuple[SandboxPlatform, ...]:
    """Every registered platform, in the order registered, the package's platform modules
    imported first."""
    _discover()
    with _lock:
        return tuple(_registered.values())


@functools.cache
def _discover() -> None:
    """Import each ``*_platform`` module of this package once: importing one registers it."""
    import coursier.sandbox as package

    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.name.endswith(MODULE_SUFFIX):
            importlib.import_module(f"{package.__name__}.{module.name}")
