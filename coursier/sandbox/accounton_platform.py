"""Accounton's API as PROTOCOLS.md §4 knows it: ``X-CLIENT-ID`` / ``X-CLIENT-SECRET`` on each
call, scopes such as ``customers.read`` / ``customers.write``; customers, questionnaires,
invitations.

The endpoint shapes are not public: these are designed.

- ``GET /customers?page=&pageSize=[&nationalNumber=][&email=]`` (``pageSize`` ≤ 500):
  ``{"items", "page", "pageSize", "pageCount", "total"}``; ``email`` matches whatever the
  case. A customer is ``{"id", "firstName", "lastName", "email", "nationalNumber",
  "partnerNationalNumber", "language": "FR"|"NL"|"EN"|"DE", "questionnaire": {"id",
  "status": "not_sent"|"sent"} | null}``;
- ``POST /customers`` (``customers.write``): the fields above but ``id``, plus
  ``questionnaireId`` → 201, the customer, its questionnaire ``not_sent``. Like a lenient
  platform it accepts a second customer with the same number: exactly-once is the client's
  to keep;
- ``PATCH /customers/{id}``: the fields given, → 200 the customer (404 unknown);
- ``GET /questionnaires``: ``{"items": [{"id", "name", "language"}]}``;
- ``POST /invitations`` ``{"customerId", "questionnaireId"}`` → 201: the questionnaire's
  e-mail is sent, its status becomes ``sent``.

401 without the right client, 403 without the scope. Inspection: ``GET /_sandbox/client``,
``POST /_sandbox/scopes``, ``POST /_sandbox/dataset``, ``GET /_sandbox/customers`` (every
customer), ``GET /_sandbox/invitations`` (the e-mails sent), ``GET /_sandbox/stats``,
``POST /_sandbox/create-cuts`` (the next ``times`` creates are made, then their answer is cut
halfway: the seed's micro-coupure at the worst moment).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Body, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from coursier.sandbox.accounton_answers import FirmState, json_answer, page_of
from coursier.sandbox.accounton_dataset import FirmClients, Shape
from coursier.sandbox.crm_cuts import cut_response
from coursier.sandbox.inspection import state_of
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register

PREFIX = "accounton"
MAX_PAGE_SIZE = 500
SCOPES = ("customers.read", "customers.write", "privacy.read")
FIELDS = (
    "firstName",
    "lastName",
    "email",
    "nationalNumber",
    "partnerNationalNumber",
    "language",
)
QUESTIONNAIRES = (
    {
        "id": "ipp-fr",
        "name": "Déclaration d'impôt sur le revenu des personnes physiques",
        "language": "FR",
    },
    {"id": "ipp-nl", "name": "Aangifte in de personenbelasting", "language": "NL"},
    {"id": "ipp-en", "name": "Personal income tax return", "language": "EN"},
    {"id": "ipp-de", "name": "Einkommensteuererklärung", "language": "DE"},
)

router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


@dataclass
class AccountonState(FirmState):
    def reset(self) -> None:
        with self.lock:
            self.client_id = "coursier-sandbox"
            self.client_secret = f"acc-{secrets.token_hex(16)}"
            self.scopes = set(SCOPES)
            self.invitations: list[dict] = []
            self.create_cuts = 0
            self.stats = {"creates": 0, "updates": 0, "invitations": 0}
            super().reset()

    def load(self, firm: FirmClients) -> None:
        self.customers = {f"cus-{r['id']}": _customer(f"cus-{r['id']}", r) for r in firm.accounton}
        self._next = 0

    def create(self, fields: dict[str, Any], questionnaire: str | None) -> tuple[dict, bool]:
        """The new customer, and whether its answer is to be cut."""
        with self.lock:
            self._next += 1
            customer_id = f"cus-new-{self._next:06d}"
            customer = {"id": customer_id, **{k: fields.get(k) for k in FIELDS}}
            customer["questionnaire"] = (
                {"id": questionnaire, "status": "not_sent"} if questionnaire else None
            )
            self.customers[customer_id] = customer
            self.stats["creates"] += 1
            cut = self.create_cuts > 0
            self.create_cuts -= cut
            return customer, cut


def _customer(customer_id: str, record: dict) -> dict:
    return {
        "id": customer_id,
        "firstName": record["first_name"],
        "lastName": record["last_name"],
        "email": record["email"],
        "nationalNumber": record["national_number"],
        "partnerNationalNumber": record["partner_national_number"],
        "language": (record["language"] or "").upper() or None,
        "questionnaire": {"id": "ipp-fr", "status": "sent"},
    }


def _state(request: Request) -> AccountonState:
    return state_of(request)  # type: ignore[return-value]


def _refused(request: Request, scope: str) -> Response | None:
    state = _state(request)
    if (
        request.headers.get("x-client-id") != state.client_id
        or request.headers.get("x-client-secret") != state.client_secret
    ):
        return json_answer({"error": "unauthorized", "message": "Unknown client"}, 401)
    if scope not in state.scopes:
        return json_answer({"error": "forbidden", "message": f"Scope {scope} required"}, 403)
    return None


@router.get("/customers")
def customers(
    request: Request,
    page: int = Query(1, ge=1),
    page_size: int = Query(100, alias="pageSize"),
    national_number: str | None = Query(None, alias="nationalNumber"),
    email: str | None = Query(None),
) -> Response:
    if (refused := _refused(request, "customers.read")) is not None:
        return refused
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        return json_answer({"error": "bad_request", "message": f"pageSize ≤ {MAX_PAGE_SIZE}"}, 400)
    state = _state(request)
    with state.lock:
        found = list(state.customers.values())
    if national_number is not None:
        found = [c for c in found if c["nationalNumber"] == national_number]
    if email is not None:
        found = [c for c in found if (c["email"] or "").casefold() == email.casefold()]
    items, pages = page_of(found, page, page_size)
    return json_answer(
        {
            "items": items,
            "page": page,
            "pageSize": page_size,
            "pageCount": pages,
            "total": len(found),
        }
    )


@router.post("/customers")
def create_customer(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
    if (refused := _refused(request, "customers.write")) is not None:
        return refused
    if not body.get("lastName") or not body.get("email"):
        return json_answer({"error": "bad_request", "message": "lastName and email required"}, 400)
    customer, cut = _state(request).create(body, body.get("questionnaireId"))
    if cut:
        return cut_response(json.dumps(customer).encode(), "application/json")
    return json_answer(customer, 201)


@router.patch("/customers/{customer_id}")
def update_customer(
    request: Request,
    customer_id: str,
    body: dict[str, Any] = Body(...),  # noqa: B008
) -> Response:
    if (refused := _refused(request, "customers.write")) is not None:
        return refused
    state = _state(request)
    with state.lock:
        customer = state.customers.get(customer_id)
        if customer is None:
            return json_answer({"error": "not_found", "message": customer_id}, 404)
        customer.update({k: v for k, v in body.items() if k in FIELDS})
        state.stats["updates"] += 1
        return json_answer(customer)


@router.get("/questionnaires")
def questionnaires(request: Request) -> Response:
    if (refused := _refused(request, "customers.read")) is not None:
        return refused
    return json_answer({"items": list(QUESTIONNAIRES)})


class InvitationIn(BaseModel):
    customerId: str  # the platform's JSON names
    questionnaireId: str


@router.post("/invitations")
def invite(request: Request, invitation: InvitationIn) -> Response:
    if (refused := _refused(request, "customers.write")) is not None:
        return refused
    state = _state(request)
    with state.lock:
        customer = state.customers.get(invitation.customerId)
        if customer is None:
            return json_answer({"error": "not_found", "message": invitation.customerId}, 404)
        customer["questionnaire"] = {"id": invitation.questionnaireId, "status": "sent"}
        sent = {
            "id": f"inv-{len(state.invitations) + 1:06d}",
            **invitation.model_dump(),
            "status": "sent",
        }
        state.invitations.append(sent)
        state.stats["invitations"] += 1
        return json_answer(sent, 201)


class Scopes(BaseModel):
    scopes: list[str]


class CreateCuts(BaseModel):
    times: int = Field(1, ge=0)


@inspection.get("/client")
def client(request: Request) -> dict[str, str]:
    state = _state(request)
    return {"client_id": state.client_id, "client_secret": state.client_secret}


@inspection.post("/scopes")
def set_scopes(request: Request, scopes: Scopes) -> dict[str, list[str]]:
    _state(request).scopes = set(scopes.scopes)
    return scopes.model_dump()


@inspection.post("/dataset")
def dataset(request: Request, shape: Shape) -> dict[str, int]:
    state = _state(request)
    state.resize(shape)
    return {"customers": len(state.customers)}


@inspection.get("/customers")
def every_customer(request: Request) -> Response:
    state = _state(request)
    with state.lock:
        return json_answer(list(state.customers.values()))


@inspection.get("/invitations")
def invitations(request: Request) -> Response:
    state = _state(request)
    with state.lock:
        return json_answer(list(state.invitations))


@inspection.get("/stats")
def stats(request: Request) -> dict[str, int]:
    state = _state(request)
    with state.lock:
        return dict(state.stats)


@inspection.post("/create-cuts")
def create_cuts(request: Request, cuts: CreateCuts) -> dict[str, int]:
    state = _state(request)
    with state.lock:
        state.create_cuts = cuts.times
    return cuts.model_dump()


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> AccountonState:
    return AccountonState(PREFIX, settings.seed, settings.clock, fault_routes=platform.fault_routes)


def create_accounton_app(platform: SandboxPlatform, state: AccountonState) -> FastAPI:
    return platform_app(platform, state)


register(
    SandboxPlatform(
        prefix=PREFIX,
        new_state=new_state,
        create_app=create_accounton_app,
        routers=(router,),
        inspection=(inspection,),
    )
)
