"""Admin IS | Consult's API as PROTOCOLS.md §4 knows it: an API key, and a base URL and port
of the firm's own (the firm's server; the sandbox mounts one firm under ``/admin-is``).

The resource paths below are designed (no public documentation):

- every call carries ``X-Api-Key`` (401 without the firm's key);
- ``GET /clients?offset=&limit=`` (``limit`` ≤ 500): ``{"clients", "offset", "limit",
  "total"}``, a client being ``{"code", "naam", "voornaam", "email", "rijksregisternummer",
  "taal": "F"|"N"|"E"|"D", "partner": {"rijksregisternummer"} | null}``;
- ``GET /taskflows``: ``{"taskflows": [{"code", "omschrijving"}]}``;
- ``GET /taskflows/{code}/clients``: ``{"codes": [...]}``, the clients it holds.

Inspection: ``GET /_sandbox/client`` (the key), ``POST /_sandbox/dataset``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Query, Request, Response

from coursier.sandbox.accounton_answers import FirmState, json_answer
from coursier.sandbox.accounton_dataset import TASKFLOWS, FirmClients, Shape
from coursier.sandbox.inspection import state_of
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register

PREFIX = "admin-is"
MAX_LIMIT = 500
_LANGUAGE_CODES = {"fr": "F", "nl": "N", "en": "E", "de": "D"}

router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


@dataclass
class AdminIsState(FirmState):
    def reset(self) -> None:
        with self.lock:
            self.api_key = secrets.token_hex(16)
            super().reset()

    def load(self, firm: FirmClients) -> None:
        self.clients = [_client(record) for record in firm.imported]
        self.taskflows = {flow: [_code(i) for i in ids] for flow, ids in firm.taskflows.items()}


def _code(record_id: str) -> str:
    return f"CL{record_id}"


def _client(record: dict) -> dict:
    partner = record["partner_national_number"]
    return {
        "code": _code(record["id"]),
        "naam": record["last_name"],
        "voornaam": record["first_name"],
        "email": record["email"],
        "rijksregisternummer": record["national_number"],
        "taal": _LANGUAGE_CODES.get(record["language"], record["language"]),
        "partner": {"rijksregisternummer": partner} if partner else None,
    }


def _state(request: Request) -> AdminIsState:
    return state_of(request)  # type: ignore[return-value]


def _refused(request: Request) -> Response | None:
    if request.headers.get("x-api-key") != _state(request).api_key:
        return json_answer({"fout": "Ongeldige API-sleutel"}, 401)
    return None


@router.get("/clients")
def clients(
    request: Request, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1)
) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    if limit > MAX_LIMIT:
        return json_answer({"fout": f"limit maximaal {MAX_LIMIT}"}, 400)
    known = _state(request).clients
    return json_answer(
        {
            "clients": known[offset : offset + limit],
            "offset": offset,
            "limit": limit,
            "total": len(known),
        }
    )


@router.get("/taskflows")
def taskflows(request: Request) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    known = _state(request).taskflows
    return json_answer({"taskflows": [{"code": k, "omschrijving": TASKFLOWS[k]} for k in known]})


@router.get("/taskflows/{code}/clients")
def taskflow_clients(request: Request, code: str) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    found = _state(request).taskflows.get(code)
    if found is None:
        return json_answer({"fout": f"Taskflow {code} onbekend"}, 404)
    return json_answer({"codes": found})


@inspection.get("/client")
def client(request: Request) -> dict[str, str]:
    return {"api_key": _state(request).api_key}


@inspection.post("/dataset")
def dataset(request: Request, shape: Shape) -> dict[str, int]:
    state = _state(request)
    state.resize(shape)
    return {"clients": len(state.clients)}


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> AdminIsState:
    return AdminIsState(PREFIX, settings.seed, settings.clock, fault_routes=platform.fault_routes)


def create_admin_is_app(platform: SandboxPlatform, state: AdminIsState) -> FastAPI:
    return platform_app(platform, state)


register(
    SandboxPlatform(
        prefix=PREFIX,
        new_state=new_state,
        create_app=create_admin_is_app,
        routers=(router,),
        inspection=(inspection,),
    )
)
