"""AdminPulse's API as PROTOCOLS.md §4 knows it: REST, ``Authorization: Bearer <token>``,
480 calls a minute (429 beyond), relations paged with ``page`` and ``pageSize`` ≤ 400 answering
``results`` and ``pageCount``, look-up by ``vatNumber``, tasks and taskflows.

The resource paths below are designed (AdminPulse documents its API to partners only):

- ``GET /relations?page=&pageSize=[&vatNumber=]``: ``{"results", "page", "pageSize",
  "pageCount", "totalCount"}``; a relation is ``{"id", "type": "Person", "name",
  "firstName", "lastName", "email", "nationalNumber", "language", "vatNumber", "partner":
  {"nationalNumber"} | null}``; ``pageSize`` above 400 is 400 Bad Request;
- ``GET /taskflows``: ``{"results": [{"id", "name"}]}``;
- ``GET /taskflows/{id}/tasks?page=&pageSize=``: the taskflow's tasks, each with the
  ``relationId`` it is for, paged like relations (404 for an unknown taskflow).

The rate limit counts every API call in a sliding window on the sandbox's clock (480 in 60 s
by default, ``POST /_sandbox/rate-limit`` to change it); beyond it the call is 429 with
``Retry-After`` (seconds until the oldest call leaves the window) and not processed.
Inspection: ``GET /_sandbox/client`` (the token), ``POST /_sandbox/dataset`` (a firm of
another shape), ``GET /_sandbox/stats`` (calls, 429s, largest page asked).
"""

from __future__ import annotations

import math
import secrets
from collections import deque
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from coursier.sandbox.accounton_answers import FirmState, json_answer, page_of
from coursier.sandbox.accounton_dataset import TASKFLOWS, FirmClients, Shape
from coursier.sandbox.inspection import state_of
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register

PREFIX = "adminpulse"
MAX_PAGE_SIZE = 400
RATE_PER_MINUTE = 480

router = APIRouter()
inspection = APIRouter(prefix="/_sandbox")


@dataclass
class AdminPulseState(FirmState):
    def reset(self) -> None:
        with self.lock:
            self.token = f"ap-{secrets.token_hex(16)}"
            self.limit, self.window_s = RATE_PER_MINUTE, 60.0
            self.calls: deque[float] = deque()
            self.stats = {"calls": 0, "rejected_429": 0, "largest_page_size": 0}
            super().reset()

    def load(self, firm: FirmClients) -> None:
        self.relations = [_relation(record) for record in firm.imported]
        self.tasks = {
            flow: [{"id": f"task-{flow}-{rid}", "relationId": _rid(rid)} for rid in ids]
            for flow, ids in firm.taskflows.items()
        }

    def admit(self) -> float | None:
        """Count one call; None when under the limit, else the seconds to wait."""
        now = self.clock.now().timestamp()
        with self.lock:
            while self.calls and self.calls[0] <= now - self.window_s:
                self.calls.popleft()
            if len(self.calls) >= self.limit:
                self.stats["rejected_429"] += 1
                return self.calls[0] + self.window_s - now
            self.calls.append(now)
            self.stats["calls"] += 1
            return None


def _rid(record_id: str) -> str:
    return f"rel-{record_id}"


def _relation(record: dict) -> dict:
    partner = record["partner_national_number"]
    return {
        "id": _rid(record["id"]),
        "type": "Person",
        "name": " ".join(filter(None, (record["last_name"], record["first_name"]))),
        "firstName": record["first_name"],
        "lastName": record["last_name"],
        "email": record["email"],
        "nationalNumber": record["national_number"],
        "language": record["language"],
        "vatNumber": None,
        "partner": {"nationalNumber": partner} if partner else None,
    }


def _state(request: Request) -> AdminPulseState:
    return state_of(request)  # type: ignore[return-value]


def _refused(request: Request, page_size: int | None = None) -> Response | None:
    """The 401, 429 or 400 of a call, else None (the call is then counted)."""
    state = _state(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token.strip() != state.token:
        return json_answer({"message": "Authorization has been denied for this request."}, 401)
    wait = state.admit()
    if wait is not None:
        return json_answer(
            {"message": f"Rate limit of {state.limit} calls exceeded."},
            429,
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )
    if page_size is not None:
        state.stats["largest_page_size"] = max(state.stats["largest_page_size"], page_size)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            return json_answer({"message": f"pageSize must be between 1 and {MAX_PAGE_SIZE}."}, 400)
    return None


def _paged(items: list, page: int, page_size: int) -> Response:
    results, pages = page_of(items, max(page, 1), page_size)
    return json_answer(
        {
            "results": results,
            "page": page,
            "pageSize": page_size,
            "pageCount": pages,
            "totalCount": len(items),
        }
    )


@router.get("/relations")
def relations(
    request: Request,
    page: int = Query(1, ge=1),
    page_size: int = Query(100, alias="pageSize"),
    vat_number: str | None = Query(None, alias="vatNumber"),
) -> Response:
    if (refused := _refused(request, page_size)) is not None:
        return refused
    found = _state(request).relations
    if vat_number is not None:
        found = [r for r in found if r["vatNumber"] == vat_number]
    return _paged(found, page, page_size)


@router.get("/taskflows")
def taskflows(request: Request) -> Response:
    if (refused := _refused(request)) is not None:
        return refused
    known = _state(request).tasks
    return json_answer({"results": [{"id": k, "name": TASKFLOWS[k]} for k in known]})


@router.get("/taskflows/{taskflow}/tasks")
def tasks(
    request: Request,
    taskflow: str,
    page: int = Query(1, ge=1),
    page_size: int = Query(100, alias="pageSize"),
) -> Response:
    if (refused := _refused(request, page_size)) is not None:
        return refused
    found = _state(request).tasks.get(taskflow)
    if found is None:
        return json_answer({"message": f"Taskflow {taskflow} not found."}, 404)
    return _paged(found, page, page_size)


class RateLimit(BaseModel):
    limit: int = Field(RATE_PER_MINUTE, ge=1)
    window_s: float = Field(60.0, gt=0)


@inspection.get("/client")
def client(request: Request) -> dict[str, str]:
    return {"token": _state(request).token}


@inspection.post("/rate-limit")
def rate_limit(request: Request, rule: RateLimit) -> dict[str, object]:
    state = _state(request)
    with state.lock:
        state.limit, state.window_s = rule.limit, rule.window_s
        state.calls.clear()
    return rule.model_dump()


@inspection.post("/dataset")
def dataset(request: Request, shape: Shape) -> dict[str, int]:
    state = _state(request)
    state.resize(shape)
    return {"relations": len(state.relations)}


@inspection.get("/stats")
def stats(request: Request) -> dict[str, int]:
    state = _state(request)
    with state.lock:
        return dict(state.stats)


ROUTERS = (router,)
INSPECTION = (inspection,)


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> AdminPulseState:
    return AdminPulseState(
        PREFIX, settings.seed, settings.clock, fault_routes=platform.fault_routes
    )


def create_adminpulse_app(platform: SandboxPlatform, state: AdminPulseState) -> FastAPI:
    return platform_app(platform, state)


register(
    SandboxPlatform(
        prefix=PREFIX,
        new_state=new_state,
        create_app=create_adminpulse_app,
        routers=ROUTERS,
        inspection=INSPECTION,
    )
)
