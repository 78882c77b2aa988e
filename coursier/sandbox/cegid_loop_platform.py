"""Cegid Loop, and Cegid Flow's receiving side, as the sandbox serves them (PROTOCOLS.md §5).

Every route asks for ``Ocp-Apim-Subscription-Key`` and ``x-apikey: key:secret`` (401 in
Azure API Management's JSON, ``{"statusCode": 401, "message": …}``, without either). Shapes
assumed where Loop's documentation is not public, and read so by the connector:

- paged lists take ``skip`` and ``take`` (≤ :data:`MAX_TAKE`) and answer
  ``{"items": […], "total": n, "skip": s, "take": t}``;
- ``GET /dossiers/{code}`` (the dossier and its company head, ``dirigeant``), ``…/exercices``,
  ``…/comptes``, ``…/journaux``, ``…/comptes-bancaires``, ``…/ecritures?exercice=ID``;
- ``GET|POST /cabinet/applications`` and ``GET|POST /dossiers/{code}/applications``: an
  application already active answers 409; a dossier's needs the firm's first (422);
- ``GET /interlocuteurs?dossier=&email=``, ``POST /interlocuteurs``, ``PUT
  /interlocuteurs/{id}``; ``GET|POST /interlocuteurs/{id}/services`` — proposing a service
  sends Flow's invitation e-mail each time it is asked (not idempotent), and needs the
  application active for the firm and the dossier (422);
- ``GET /dossiers/{code}/sink/rapport-quotidien/{day}`` (paged: entity, id, timestamp,
  operation) and ``POST /dossiers/{code}/sink/partialInit`` (``{entity, from, to}``, at most
  20 days: 422 beyond);
- Flow's side (no public API; assumed): ``GET /flow/dossiers/{code}/initialisation`` (counts per
  fiscal year, bank accounts and their collection, the invitation), ``GET
  /flow/dossiers/{code}/messages/{day}[?entites=A,B]`` (paged: the messages Flow received that
  day, of some entities only) and
  ``GET /flow/dossiers/{code}/releves/{day}`` (the bank statements it shows: account, day,
  balances, movements).

Inspection (``/_sandbox/``): the CFONB 120 file a bank sent (``releves/{code}/{day}``), the
mailbox, the POSTs processed per action, Flow's messages,
cuts of one action's POSTs (``cut_after``, ``fail_after``, ``fail_before``), changes to emit
with a drop rate, dossiers whose replays are lost too.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from coursier.models import cfonb
from coursier.sandbox.cegid_loop_seed import FLOW_APPLICATION, DossierSpec, LoopDossier, stable_id
from coursier.sandbox.cegid_loop_state import (
    CUT_MODES,
    ENTITIES,
    PARTIAL_INIT_MAX_DAYS,
    SEND_ACTIONS,
    CegidLoopState,
)
from coursier.sandbox.cegid_statements import bank_statements, shown_by_flow
from coursier.sandbox.crm_cuts import cut_response
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register

PREFIX = "cegid-loop"
MAX_TAKE = 10_000

#: Loop's and Flow's routes are ``async def``: they only touch memory, so the event loop answers
#: them without a hop to a worker thread (a third of a request's CPU, which a benchmark's flows
#: share on the same cores).
router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


class LoopError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _error(_: Request, error: LoopError) -> JSONResponse:
    return JSONResponse({"statusCode": error.status, "message": error.message}, error.status)


def state_of(request: Request) -> CegidLoopState:
    return request.app.state.platform


def authorised(request: Request) -> CegidLoopState:
    """The state, once the caller's subscription key and API key are the firm's (else 401)."""
    state = state_of(request)
    subscription = request.headers.get("Ocp-Apim-Subscription-Key")
    if subscription is None:
        raise LoopError(401, "Access denied due to missing subscription key.")
    if not state.authorised(subscription, request.headers.get("x-apikey")):
        raise LoopError(401, "Access denied due to invalid subscription key or api key.")
    return state


def dossier_of(state: CegidLoopState, code: str) -> LoopDossier:
    dossier = state.dossiers.get(code)
    if dossier is None:
        raise LoopError(404, f"Dossier {code} introuvable.")
    return dossier


def page(items: list[Any], skip: int, take: int) -> dict[str, Any]:
    return {"items": items[skip : skip + take], "total": len(items), "skip": skip, "take": take}


def feed_page(items: list[Any], skip: int, take: int) -> Response:
    """A page of Flow's messages, thousands of objects: written by orjson, whose CPU the
    watched flow would otherwise share (the stdlib encoder is ~20 times slower)."""
    return Response(orjson.dumps(page(items, skip, take)), media_type="application/json")


def written_page(lines: list[bytes], skip: int, take: int) -> Response:
    """A page of items already written in JSON (the daily report's lines), joined."""
    body = b'{"items":[%b],"total":%d,"skip":%d,"take":%d}' % (
        b",".join(lines[skip : skip + take]),
        len(lines),
        skip,
        take,
    )
    return Response(body, media_type="application/json")


Skip = Annotated[int, Query(ge=0)]
Take = Annotated[int, Query(ge=1, le=MAX_TAKE)]


def sent(state: CegidLoopState, action: str, target: str, answer: Any, status: int = 201):
    """Count a processed POST and answer it, unless a cut strikes it (after processing)."""
    state.sends[(action, target)] += 1
    mode = state.cuts.strike(action, target)
    if mode == "cut_after":
        return cut_response(json.dumps(answer).encode(), "application/json")
    if mode == "fail_after":
        return JSONResponse({"statusCode": 503, "message": "Service indisponible."}, 503)
    return JSONResponse(answer, status)


def refused_before(state: CegidLoopState, action: str, target: str) -> None:
    """A ``fail_before`` cut: 503 with nothing done (the strike is consumed only then)."""
    if state.cuts.peek(action, target) == "fail_before":
        state.cuts.strike(action, target)
        raise LoopError(503, "Service indisponible.")


# Resources ---------------------------------------------------------------------------------


@router.get("/dossiers/{code}")
async def get_dossier(request: Request, code: str) -> dict[str, Any]:
    dossier = dossier_of(authorised(request), code)
    return {
        "codeDossier": dossier.code,
        "nom": dossier.name,
        "siren": dossier.siren,
        "dirigeant": dossier.head,
    }


def _dossier(request: Request, code: str) -> tuple[CegidLoopState, LoopDossier]:
    state = authorised(request)
    return state, dossier_of(state, code)


@router.get("/dossiers/{code}/exercices")
async def fiscal_years(request: Request, code: str, skip: Skip = 0, take: Take = 100):
    return page(_dossier(request, code)[1].fiscal_years, skip, take)


@router.get("/dossiers/{code}/comptes")
async def accounts(request: Request, code: str, skip: Skip = 0, take: Take = 100):
    return page(_dossier(request, code)[1].accounts, skip, take)


@router.get("/dossiers/{code}/journaux")
async def journals(request: Request, code: str, skip: Skip = 0, take: Take = 100):
    return page(_dossier(request, code)[1].journals, skip, take)


@router.get("/dossiers/{code}/comptes-bancaires")
async def bank_accounts(request: Request, code: str, skip: Skip = 0, take: Take = 100):
    return page(_dossier(request, code)[1].bank_accounts, skip, take)


@router.get("/dossiers/{code}/ecritures")
async def entries(request: Request, code: str, exercice: str, skip: Skip = 0, take: Take = 100):
    dossier = _dossier(request, code)[1]
    if exercice not in dossier.entries_per_year:
        raise LoopError(404, f"Exercice {exercice} introuvable dans le dossier {code}.")
    total = dossier.entries_per_year[exercice]
    return {
        "items": dossier.entries(exercice, skip, take),
        "total": total,
        "skip": skip,
        "take": take,
    }


# Applications ------------------------------------------------------------------------------


class Application(BaseModel):
    type: str = "Cegid"
    application: str


@router.get("/cabinet/applications")
async def firm_applications(request: Request) -> list[dict[str, str]]:
    state = authorised(request)
    return [{"type": "Cegid", "application": a} for a in sorted(state.firm_applications)]


@router.post("/cabinet/applications")
async def activate_for_firm(request: Request, body: Application):
    state = authorised(request)
    _known_application(body.application)
    refused_before(state, "firm-activation", "")
    with state.lock:
        if body.application in state.firm_applications:
            raise LoopError(409, f"L'application {body.application} est déjà active.")
        state.firm_applications.add(body.application)
    return sent(state, "firm-activation", "", {"type": body.type, "application": body.application})


@router.get("/dossiers/{code}/applications")
async def dossier_applications(request: Request, code: str) -> list[dict[str, str]]:
    return [{"application": a} for a in sorted(_dossier(request, code)[1].applications)]


@router.post("/dossiers/{code}/applications")
async def activate_for_dossier(request: Request, code: str, body: Application):
    state, dossier = _dossier(request, code)
    _known_application(body.application)
    if body.application not in state.firm_applications:
        raise LoopError(422, f"{body.application} n'est pas activée pour le cabinet.")
    refused_before(state, "dossier-activation", code)
    with state.lock:
        if body.application in dossier.applications:
            raise LoopError(409, f"{body.application} est déjà active pour le dossier {code}.")
        dossier.applications.add(body.application)
    return sent(state, "dossier-activation", code, {"application": body.application})


def _known_application(name: str) -> None:
    if name != FLOW_APPLICATION:
        raise LoopError(422, f"Application {name!r} inconnue.")


# Contacts and services ----------------------------------------------------------------------


class Contact(BaseModel):
    nom: str = Field(min_length=1)
    prenom: str = Field(min_length=1)
    mobile: str | None = None
    fixe: str | None = None
    email: str = Field(min_length=3)
    role: str
    dossiers: list[str] = []


@router.get("/interlocuteurs")
async def contacts(
    request: Request,
    dossier: str | None = None,
    email: str | None = None,
    skip: Skip = 0,
    take: Take = 100,
):
    state = authorised(request)
    with state.lock:
        found = [
            c
            for c in state.contacts.values()
            if (dossier is None or dossier in c["dossiers"])
            and (email is None or c["email"].lower() == email.lower())
        ]
    return page(found, skip, take)


@router.post("/interlocuteurs")
async def create_contact(request: Request, body: Contact):
    state = authorised(request)
    target = body.email.lower()
    refused_before(state, "contact-create", target)
    with state.lock:
        contact_id = stable_id("interlocuteur", target, len(state.contacts))
        contact = state.contacts[contact_id] = {
            "id": contact_id,
            "revision": 1,
            **body.model_dump(),
        }
    return sent(state, "contact-create", target, contact)


@router.put("/interlocuteurs/{contact_id}")
async def update_contact(request: Request, contact_id: str, body: Contact):
    state = authorised(request)
    refused_before(state, "contact-update", contact_id)
    with state.lock:
        old = state.contacts.get(contact_id)
        if old is None:
            raise LoopError(404, f"Interlocuteur {contact_id} introuvable.")
        contact = state.contacts[contact_id] = {
            "id": contact_id,
            "revision": old["revision"] + 1,
            **body.model_dump(),
        }
    return sent(state, "contact-update", contact_id, contact, 200)


class ServiceProposal(BaseModel):
    dossier: str
    service: str


@router.get("/interlocuteurs/{contact_id}/services")
async def services(request: Request, contact_id: str) -> list[dict[str, str]]:
    state = authorised(request)
    with state.lock:
        return [p for p in state.proposals if p["interlocuteur"] == contact_id]


@router.post("/interlocuteurs/{contact_id}/services")
async def propose_service(request: Request, contact_id: str, body: ServiceProposal):
    state = authorised(request)
    dossier = dossier_of(state, body.dossier)
    contact = state.contacts.get(contact_id)
    if contact is None:
        raise LoopError(404, f"Interlocuteur {contact_id} introuvable.")
    if body.dossier not in contact["dossiers"]:
        raise LoopError(422, f"L'interlocuteur n'est pas rattaché au dossier {body.dossier}.")
    if FLOW_APPLICATION not in dossier.applications:
        raise LoopError(422, f"Cegid Flow n'est pas activée pour le dossier {body.dossier}.")
    target = f"{contact_id}/{body.dossier}"
    refused_before(state, "service-proposal", target)
    proposal = state.propose(contact_id, dossier, body.service)
    return sent(state, "service-proposal", target, proposal)


# The change feed ---------------------------------------------------------------------------


@router.get("/dossiers/{code}/sink/rapport-quotidien/{day}")
async def daily_report(request: Request, code: str, day: date, skip: Skip = 0, take: Take = 1000):
    state, dossier = _dossier(request, code)
    return written_page(state.report_lines(dossier.code, day), skip, take)


class PartialInit(BaseModel):
    entity: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")


@router.post("/dossiers/{code}/sink/partialInit")
async def partial_init(request: Request, code: str, body: Annotated[PartialInit, Body()]):
    state, dossier = _dossier(request, code)
    if body.entity not in ENTITIES:
        raise LoopError(422, f"Entité {body.entity!r} inconnue : {', '.join(ENTITIES)}.")
    if body.end < body.start or body.end - body.start > timedelta(days=PARTIAL_INIT_MAX_DAYS):
        raise LoopError(422, f"partialInit couvre au plus {PARTIAL_INIT_MAX_DAYS} jours.")
    target = f"{code}/{body.entity}/{body.start.date()}"
    refused_before(state, "partial-init", target)
    replayed = state.partial_init(dossier.code, body.entity, body.start, body.end)
    return sent(state, "partial-init", target, {"entity": body.entity, "replayed": replayed}, 202)


# Flow's receiving side (assumed) -------------------------------------------------------------


@router.get("/flow/dossiers/{code}/initialisation")
async def initial_load(request: Request, code: str) -> dict[str, Any]:
    state, dossier = _dossier(request, code)
    return state.initial_load(dossier)


@router.get("/flow/dossiers/{code}/messages/{day}")
async def flow_messages(
    request: Request,
    code: str,
    day: date,
    entites: str | None = None,
    skip: Skip = 0,
    take: Take = 1000,
):
    state, dossier = _dossier(request, code)
    received = state.received(dossier.code, day)
    if entites:
        wanted = set(entites.split(","))
        received = [m for m in received if m["entity"] in wanted]
    return feed_page(received, skip, take)


@router.get("/flow/dossiers/{code}/releves/{day}")
async def flow_statements(request: Request, code: str, day: date) -> list[dict[str, Any]]:
    state, dossier = _dossier(request, code)
    shift, lose = state.statement_faults.get(code, (Decimal(0), 0))
    return shown_by_flow(bank_statements(dossier, day), shift, lose)


# Inspection --------------------------------------------------------------------------------


@inspection.get("/mailbox")
def mailbox(request: Request) -> list[dict[str, str]]:
    return [m.public() for m in state_of(request).mailbox]


@inspection.get("/sends")
def sends(request: Request) -> list[dict[str, Any]]:
    return [{"action": a, "target": t, "count": n} for (a, t), n in state_of(request).sends.items()]


class CutRequest(BaseModel):
    action: str
    mode: str = "cut_after"
    times: int = Field(1, ge=1)
    target: str | None = None


@inspection.post("/cuts")
def add_cut(request: Request, cut: CutRequest) -> dict[str, Any]:
    if cut.action not in SEND_ACTIONS or cut.mode not in CUT_MODES:
        raise HTTPException(422, f"action parmi {SEND_ACTIONS}, mode parmi {CUT_MODES}")
    state_of(request).cuts.add(cut.action, cut.mode, cut.times, cut.target)
    return cut.model_dump()


class EmitChanges(BaseModel):
    dossier: str
    day: date
    count: int = Field(ge=0, le=1_000_000)
    drop_rate: float = Field(0.0, ge=0, le=1)


@inspection.post("/changes")
def emit(request: Request, body: EmitChanges) -> dict[str, int]:
    state = state_of(request)
    dossier_of(state, body.dossier)
    return {"dropped": state.emit_changes(body.dossier, body.day, body.count, body.drop_rate)}


@inspection.get("/releves/{code}/{day}")
def bank_file(request: Request, code: str, day: date) -> Response:
    """The CFONB 120 file the bank sent for the dossier's CFONB accounts that day."""
    dossier = dossier_of(state_of(request), code)
    text = cfonb.write(bank_statements(dossier, day))
    return Response(text.encode("latin-1"), media_type="text/plain; charset=iso-8859-1")


class NewDossier(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = "Dossier du banc"
    entries: int = Field(40, ge=0, le=1_000_000)
    next_year: bool = False


@inspection.post("/dossiers")
def add_dossier(request: Request, body: NewDossier) -> dict[str, str]:
    spec = DossierSpec(body.code, body.name, body.entries, body.next_year)
    return {"codeDossier": state_of(request).add_dossier(spec).code}


@inspection.get("/lost")
def lost(request: Request, prefix: str = "") -> dict[str, int]:
    """What emission dropped, in the dossiers whose code starts with ``prefix``."""
    changes, messages = state_of(request).lost(prefix)
    return {"changes": changes, "messages": messages}


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> CegidLoopState:
    return CegidLoopState(
        platform.prefix, settings.seed, settings.clock, fault_routes=platform.fault_routes
    )


def create_app(platform: SandboxPlatform, state: CegidLoopState) -> FastAPI:
    app = platform_app(platform, state)
    app.add_exception_handler(LoopError, _error)  # type: ignore[arg-type]
    return app


register(
    SandboxPlatform(
        prefix=PREFIX,
        new_state=new_state,
        create_app=create_app,
        routers=(router,),
        inspection=(inspection,),
    )
)
