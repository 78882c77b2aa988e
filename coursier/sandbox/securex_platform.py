"""Securex HR & Payroll API, as far as PROTOCOLS.md §4 knows it (the real paths are
partner-gated: these are designed, and written down here).

- ``POST /oauth2/token``: OAuth2 client credentials (form ``grant_type=client_credentials``,
  ``client_id``, ``client_secret``) → ``{"access_token", "token_type": "Bearer",
  "expires_in"}``; 400 ``unsupported_grant_type``, 401 ``invalid_client``.
- Every other call carries ``Authorization: Bearer <token>`` and the API Management header
  ``Ocp-Apim-Subscription-Key`` (401 without it, as Azure APIM answers); an expired or unknown
  token is 401 with ``WWW-Authenticate: Bearer error="invalid_token"``.
- ``GET /v1/companies/{vat}``: the company for which the integration is available (404 else);
  ``GET /v1/companies/{vat}/employees?page=&pageSize=`` (``pageSize`` ≤ 1000): one page of
  the HR file's export, ``{"items", "page", "pageSize", "totalItems", "totalPages"}``.

Acceptance and production are two hosts of the same API; one sandbox stands for either.
Inspection: ``GET /_sandbox/client`` (the registered client, for the demo),
``POST /_sandbox/token-policy`` (lifetime, uses), ``POST /_sandbox/companies`` (a company of
seeded employees), ``GET /_sandbox/stats``.
"""

from __future__ import annotations

import json
import math

from fastapi import APIRouter, FastAPI, Form, Query, Request, Response
from pydantic import BaseModel, Field

from coursier.sandbox.inspection import state_of
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register
from coursier.sandbox.securex_people import people
from coursier.sandbox.securex_state import SecurexState

PREFIX = "securex"
MAX_PAGE_SIZE = 1000
SUBSCRIPTION_HEADER = "Ocp-Apim-Subscription-Key"

router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


def json_answer(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON written by :func:`json.dumps`: FastAPI's encoder is slow on pages of 1,000 rows."""
    return Response(json.dumps(body), status, headers, media_type="application/json")


def _state(request: Request) -> SecurexState:
    return state_of(request)  # type: ignore[return-value]


@router.post("/oauth2/token")
def token(
    request: Request,
    grant_type: str = Form(""),
    client_id: str = Form(""),
    client_secret: str = Form(""),
) -> Response:
    if grant_type != "client_credentials":
        return json_answer({"error": "unsupported_grant_type"}, 400)
    issued = _state(request).issue_token(client_id, client_secret)
    if issued is None:
        return json_answer({"error": "invalid_client"}, 401)
    value, lifetime = issued
    return json_answer({"access_token": value, "token_type": "Bearer", "expires_in": lifetime})


def _refused(request: Request) -> Response | None:
    """The 401 of a call without the subscription key or a live token, else None."""
    state = _state(request)
    if not state.subscription_ok(request.headers.get(SUBSCRIPTION_HEADER, "")):
        message = (
            "Access denied due to missing subscription key. Make sure to include subscription "
            "key when making requests to an API."
        )
        return json_answer({"statusCode": 401, "message": message}, 401)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not state.use_token(value.strip()):
        return json_answer(
            {
                "error": "invalid_token",
                "error_description": "The access token is invalid or expired",
            },
            401,
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return None


@router.get("/v1/companies/{vat}")
def company(request: Request, vat: str) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    found = _state(request).company(vat)
    if found is None:
        return json_answer({"code": "COMPANY_NOT_FOUND", "message": f"No company {vat}"}, 404)
    return json_answer({"vatNumber": found.vat, "name": found.name})


@router.get("/v1/companies/{vat}/employees")
def employees(
    request: Request, vat: str, page: int = Query(1), page_size: int = Query(100, alias="pageSize")
) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    state = _state(request)
    if state.company(vat) is None:
        return json_answer({"code": "COMPANY_NOT_FOUND", "message": f"No company {vat}"}, 404)
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return json_answer(
            {"code": "INVALID_PAGING", "message": f"page >= 1, 1 <= pageSize <= {MAX_PAGE_SIZE}"},
            400,
        )
    items, total = state.page(vat, page, page_size)
    return json_answer(
        {
            "items": items,
            "page": page,
            "pageSize": page_size,
            "totalItems": total,
            "totalPages": math.ceil(total / page_size),
        }
    )


class TokenPolicy(BaseModel):
    lifetime_s: int = Field(3600, ge=1)
    uses: int | None = Field(None, ge=1)


class NewCompany(BaseModel):
    vat: str = Field(pattern=r"^\d{10}$")
    name: str
    count: int = Field(ge=0, le=200_000)
    seed: int = 0
    invalid_every: int = Field(0, ge=0)
    changed_every: int = Field(0, ge=0)


@inspection.get("/client")
def client(request: Request) -> dict[str, str]:
    known = _state(request).client
    return {
        "client_id": known.client_id,
        "client_secret": known.client_secret,
        "subscription_key": known.subscription_key,
    }


@inspection.post("/token-policy")
def token_policy(request: Request, policy: TokenPolicy) -> dict[str, object]:
    state = _state(request)
    state.lifetime_s, state.token_uses = policy.lifetime_s, policy.uses
    return policy.model_dump()


@inspection.post("/companies")
def add_company(request: Request, new: NewCompany) -> dict[str, object]:
    employees = people(new.seed, new.vat, new.count, new.invalid_every, new.changed_every)
    _state(request).add_company(new.vat, new.name, employees)
    return {"vat": new.vat, "employees": new.count}


@inspection.get("/stats")
def stats(request: Request) -> dict[str, object]:
    state = _state(request)
    return {
        "token_requests": state.token_requests,
        "companies": {vat: len(c.employees) for vat, c in state.companies.items()},
    }


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> SecurexState:
    return SecurexState(
        platform.prefix,
        settings.seed,
        settings.clock,
        settings.token_lifetime_s,
        fault_routes=platform.fault_routes,
    )


def create_app(platform: SandboxPlatform, state: SecurexState) -> FastAPI:
    return platform_app(platform, state)


register(
    SandboxPlatform(
        prefix=PREFIX,
        new_state=new_state,
        create_app=create_app,
        routers=(router,),
        inspection=(inspection,),
    )
)
