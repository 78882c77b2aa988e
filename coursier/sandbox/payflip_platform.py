"""Payflip's API for HR integrations, as far as PROTOCOLS.md §4 knows it (its paths are not
public: these are designed, and written down here). Every call carries
``Authorization: Bearer <api key>`` (401 otherwise).

- ``GET /companies?vat=``: the companies whose VAT number ("Informations de l'entreprise")
  is that one, BE prefix, dots and spaces aside → ``{"items": [{"id", "name", "vatNumber"}]}``;
- ``GET /employees?company=&page=&pageSize=`` (``pageSize`` ≤ 1000), optionally filtered by
  ``employeeNumber`` and ``email`` (each repeatable): the company's employees with every field,
  synced or not (exit date, salary components, budget, invitation);
- ``POST /employee-imports`` ``{"company", "employees": [...]}`` (≤ 500 rows): creates them;
- ``POST /employee-updates`` ``{"company", "updates": [{"id", "fields": {...}}]}`` (≤ 500):
  changes only the fields given.

Both writes answer 200 with one result per row (``created``/``updated``, or ``error`` with a
``code`` — ``account_exists`` for an e-mail held by an account of another entity,
``invalid_email``, ``invalid_salary``, ``invalid_row``, ``duplicate_employee``, ``email_taken``
— and a ``message``). Inspection: ``GET /_sandbox/key``, ``POST /_sandbox/companies``,
``GET /_sandbox/received`` (creates and updates received per employee).
"""

from __future__ import annotations

import json
import math
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from coursier.sandbox.inspection import state_of
from coursier.sandbox.payflip_state import PayflipState
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register
from coursier.sandbox.securex_people import people
from coursier.sandbox.securex_platform import json_answer

PREFIX = "payflip"
MAX_PAGE_SIZE = 1000
MAX_ROWS = 500

router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


def _state(request: Request) -> PayflipState:
    return state_of(request)  # type: ignore[return-value]


def _refused(request: Request) -> Response | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _state(request).key_ok(key.strip()):
        return None
    return json_answer({"code": "unauthorized", "message": "Clé d'API manquante ou invalide"}, 401)


def _bad(message: str, status: int = 400) -> Response:
    return json_answer({"code": "bad_request", "message": message}, status)


@router.get("/companies")
def companies(request: Request, vat: str = Query("")) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    found = _state(request).company_by_vat(vat) if vat.strip() else None
    items = [{"id": found.id, "name": found.name, "vatNumber": found.vat}] if found else []
    return json_answer({"items": items})


@router.get("/employees")
def employees(
    request: Request,
    company: str = Query(""),
    page: int = Query(1),
    page_size: int = Query(100, alias="pageSize"),
    numbers: Annotated[list[str], Query(alias="employeeNumber")] = [],  # noqa: B006 - FastAPI copies it
    emails: Annotated[list[str], Query(alias="email")] = [],  # noqa: B006
) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    state = _state(request)
    found = state.company(company)
    if found is None:
        return _bad(f"Entreprise inconnue : {company}", 404)
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        return _bad(f"page >= 1, 1 <= pageSize <= {MAX_PAGE_SIZE}")
    items, total = state.page(found, page, page_size, set(numbers), {e.lower() for e in emails})
    return json_answer(
        {
            "items": items,
            "page": page,
            "pageSize": page_size,
            "totalItems": total,
            "totalPages": math.ceil(total / page_size),
        }
    )


async def _rows(request: Request, name: str) -> tuple[object, list[dict[str, object]]] | Response:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _bad("Corps JSON illisible")
    rows = body.get(name) if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return _bad(f'Corps attendu : {{"company": …, "{name}": [{{…}}]}}')
    if len(rows) > MAX_ROWS:
        return _bad(f"Au plus {MAX_ROWS} lignes par requête", 413)
    company = _state(request).company(str(body.get("company")))
    if company is None:
        return _bad(f"Entreprise inconnue : {body.get('company')}", 404)
    return company, rows


@router.post("/employee-imports")
async def employee_imports(request: Request) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    parsed = await _rows(request, "employees")
    if isinstance(parsed, Response):
        return parsed
    company, rows = parsed
    state = _state(request)
    return json_answer({"results": [state.create(company, row) for row in rows]})


@router.post("/employee-updates")
async def employee_updates(request: Request) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    parsed = await _rows(request, "updates")
    if isinstance(parsed, Response):
        return parsed
    company, rows = parsed
    state = _state(request)
    return json_answer({"results": [state.update(company, row) for row in rows]})


class NewCompany(BaseModel):
    vat: str
    name: str
    synced: int = Field(0, ge=0, le=200_000, description="employees already synced from Securex")
    seed: int = 0


@inspection.get("/key")
def key(request: Request) -> dict[str, str]:
    return {"api_key": _state(request).api_key}


@inspection.post("/companies")
def add_company(request: Request, new: NewCompany) -> dict[str, object]:
    """A company holding the first ``synced`` employees Securex's sandbox draws for its VAT."""
    state = _state(request)
    digits = new.vat.upper().removeprefix("BE").replace(".", "").replace(" ", "").zfill(10)
    company = state.add_company(new.vat, new.name, people(new.seed, digits, new.synced))
    return {"id": company.id, "employees": new.synced}


@inspection.get("/received")
def received(request: Request) -> dict[str, object]:
    return _state(request).received()


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> PayflipState:
    return PayflipState(
        platform.prefix, settings.seed, settings.clock, fault_routes=platform.fault_routes
    )


def create_app(platform: SandboxPlatform, state: PayflipState) -> FastAPI:
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
