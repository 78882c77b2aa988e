"""The platform registry: the server mounts every registered platform, and only those; a
platform's routes, fault routes and inspection routes are the ones it serves."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fastapi import APIRouter, FastAPI, Request

from coursier.sandbox.clock import Clock
from coursier.sandbox.faults import FaultBoard
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import (
    RegistrationError,
    SandboxPlatform,
    ServerSettings,
    register,
    registered,
    unregister,
)
from coursier.sandbox.server import SandboxServer

FAKE = "fausse-plateforme"
DSN_FAULT_ROUTES = (
    "*",
    "authentifier",
    "deposer-dsn",
    "lister-depots",
    "lister-retours-flux",
    "lister-retours-declarant",
    "lister-retours-concentrateur",
    "telecharger",
    "telecharger-retour",
)


@dataclass
class FakeState:
    """A platform of a few lines, as a new procedure's would start: it counts pings."""

    name: str
    clock: Clock
    faults: FaultBoard
    pings: list[int] = field(default_factory=list)

    def reset(self) -> None:
        self.pings.clear()
        self.faults.clear()


fake_router = APIRouter()
fake_inspection = APIRouter(prefix="/_sandbox")


@fake_router.get("/ping/{n}")
def ping(request: Request, n: int) -> dict[str, int]:
    request.app.state.platform.pings.append(n)
    return {"pong": n}


@fake_router.post("/echo")
async def echo(request: Request) -> dict[str, str]:
    return {"echo": (await request.body()).decode()}


@fake_inspection.get("/pings")
def pings(request: Request) -> list[int]:
    return request.app.state.platform.pings


def new_fake_state(platform: SandboxPlatform, settings: ServerSettings) -> FakeState:
    board = FaultBoard(settings.seed, platform.prefix, platform.fault_routes)
    return FakeState(platform.prefix, settings.clock, board)


def fake_platform(prefix: str = FAKE, **changes: object) -> SandboxPlatform:
    fields: dict[str, object] = {
        "prefix": prefix,
        "new_state": new_fake_state,
        "create_app": platform_app,
        "routers": (fake_router,),
        "inspection": (fake_inspection,),
        **changes,
    }
    return SandboxPlatform(**fields)  # type: ignore[arg-type]


@pytest.fixture
def fake():
    """The fake platform registered for one test, taken off after it."""
    platform = register(fake_platform())
    yield platform
    unregister(FAKE)


def served_routes(app: FastAPI) -> set[str]:
    """``METHOD /path`` of every route the app serves (its OpenAPI, built on demand)."""
    paths = app.openapi()["paths"]
    return {
        f"{method.upper()} {path}" for path, operations in paths.items() for method in operations
    }


def test_the_dsn_module_registers_both_dsn_platforms_with_their_routes():
    platforms = {p.prefix: p for p in registered()}
    assert {"net-entreprises", "izilio"} <= set(platforms)
    for prefix in ("net-entreprises", "izilio"):
        assert platforms[prefix].fault_routes == DSN_FAULT_ROUTES
        assert "POST /deposer-dsn/{version}" in platforms[prefix].routes
        assert "GET /_sandbox/deposits" in platforms[prefix].inspection_routes
        assert "POST /_sandbox/faults" in platforms[prefix].inspection_routes


@pytest.mark.usefixtures("fake")
def test_every_platform_serves_exactly_the_routes_it_declares():
    """The registration is the one place: an app serving a route it does not declare (which
    faults could then not target) or declaring one it does not serve fails here."""
    settings = ServerSettings(seed=0, clock=Clock())
    for platform in registered():
        state = platform.new_state(platform, settings)
        assert state.name == platform.prefix
        assert state.faults.routes == platform.fault_routes
        app = platform.create_app(platform, state)
        assert served_routes(app) == {*platform.routes, *platform.inspection_routes}


def test_the_server_mounts_every_registered_platform_and_only_those(client):
    prefixes = [p.prefix for p in registered()]
    with SandboxServer() as sandbox:
        assert list(sandbox.states) == prefixes
        for prefix in prefixes:
            answer = client.get(f"{sandbox.url(prefix)}/_sandbox/faults")
            assert answer.status_code == 200, prefix
        for absent in (FAKE, "plateforme-inconnue", "_sandbox"):
            assert client.get(f"{sandbox.base_url}/{absent}/_sandbox/faults").status_code == 404
        with pytest.raises(KeyError, match=f"plateforme inconnue '{FAKE}'"):
            sandbox.url(FAKE)


def test_a_registered_platform_is_mounted_with_its_own_state_and_faults(fake, client):
    with SandboxServer(seed=3) as sandbox:
        base = sandbox.url(FAKE)
        assert client.get(f"{base}/ping/1").json() == {"pong": 1}
        assert client.post(f"{base}/echo", content=b"bonjour").json() == {"echo": "bonjour"}
        assert client.get(f"{base}/_sandbox/pings").json() == [1]
        assert sandbox.state(FAKE).pings == [1]

        rule = {"route": "ping", "kind": "status", "status": 503, "count": 1}
        assert client.post(f"{base}/_sandbox/faults", json=rule).status_code == 200
        assert client.get(f"{base}/ping/2").status_code == 503
        assert client.get(f"{base}/ping/3").status_code == 200  # the rule was for one hit
        assert client.get(f"{base}/_sandbox/pings").json() == [1, 3]  # the 503 processed nothing

        # Its board knows its routes only, and the DSN platforms' boards do not know its own.
        refused = client.post(f"{base}/_sandbox/faults", json={"route": "deposer-dsn"})
        assert refused.status_code == 422
        assert refused.json()["detail"] == (
            f"route inconnue 'deposer-dsn' sur {FAKE} : une panne vise l'une de *, ping, echo"
        )
        dsn = client.post(
            f"{sandbox.url('net-entreprises')}/_sandbox/faults", json={"route": "ping"}
        )
        assert dsn.status_code == 422
        assert "'ping'" in dsn.json()["detail"]

        assert client.post(f"{base}/_sandbox/reset").json() == {"reset": FAKE}
        assert sandbox.state(FAKE).pings == []


def test_a_platform_taken_off_is_not_mounted_by_later_servers(client):
    register(fake_platform())
    try:
        early = SandboxServer()
    finally:
        unregister(FAKE)
    with early, SandboxServer() as later:
        assert client.get(f"{early.url(FAKE)}/ping/1").status_code == 200
        assert FAKE not in later.states
        assert client.get(f"{later.base_url}/{FAKE}/ping/1").status_code == 404


def test_a_prefix_is_registered_once(fake):
    with pytest.raises(RegistrationError, match="déjà enregistrée"):
        register(fake_platform())
    with pytest.raises(RegistrationError, match="déjà enregistrée"):
        register(fake_platform("net-entreprises"))
    assert [p for p in registered() if p.prefix == FAKE] == [fake]


def _router(path: str, prefix: str = "") -> APIRouter:
    router = APIRouter(prefix=prefix)
    router.add_api_route(path, lambda: None)
    return router


def _nested() -> APIRouter:
    outer = APIRouter()
    outer.include_router(_router("/cachee"))
    return outer


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prefix": "Net Entreprises"}, "préfixe de plateforme 'Net Entreprises' invalide"),
        ({"prefix": "../izilio"}, "invalide"),
        ({"prefix": ""}, "invalide"),
        ({"routers": (_router("/{anything}/x"),)}, r"GET /\{anything\}/x ne commence pas"),
        ({"routers": (_router("/_sandbox/deposits"),)}, "ne commence pas par un nom fixe"),
        ({"routers": (_router("/"),)}, "ne commence pas par un nom fixe"),
        ({"inspection": (_router("/hits"),)}, "GET /hits doit être sous /_sandbox/"),
        ({"routers": (_nested(),)}, "à plat"),
    ],
)
def test_a_registration_the_sandbox_could_not_mount_or_fault_is_refused(changes, message):
    with pytest.raises(RegistrationError, match=message):
        fake_platform(**changes)
    assert FAKE not in {p.prefix for p in registered()}
