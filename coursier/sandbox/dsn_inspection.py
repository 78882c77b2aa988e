"""A DSN platform's own inspection routes under ``/{platform}/_sandbox/``: what it received.

Deposits received (to prove nothing arrived twice), returns per flux (and overwriting one),
accounts (never their passwords). Faults, the clock and ``reset`` are every platform's
(:mod:`.inspection`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from coursier.sandbox.accounts import Account
from coursier.sandbox.http import PlatformError, platform
from coursier.sandbox.state import UnknownReturn

router = APIRouter(prefix="/_sandbox")


class ReturnOverwrite(BaseModel):
    status: str = Field(pattern=r"^(OK|KO|ANO)$")
    content: str | None = None
    media_type: str | None = None


@router.get("/deposits")
def deposits(request: Request) -> list[dict[str, object]]:
    return [d.public() for d in platform(request).deposits()]


@router.get("/returns")
def returns(request: Request, idflux: str | None = None) -> list[dict[str, object]]:
    """Every return (visible or still pending) of one flux, or of every flux."""
    state = platform(request)
    fluxes = [idflux] if idflux else [d.idflux for d in state.deposits()]
    now = state.clock.now()
    return [
        {**r.public(), "visible": r.available_at <= now}
        for flux in fluxes
        for r in state.returns(flux, visible_only=False)
    ]


@router.post("/returns/{idflux}/{return_id}")
def overwrite_return(
    request: Request, idflux: str, return_id: str, change: ReturnOverwrite
) -> dict[str, object]:
    try:
        stored = platform(request).overwrite_return(
            idflux,
            return_id,
            status=change.status,
            content=change.content.encode("utf-8") if change.content is not None else None,
            media_type=change.media_type,
        )
    except UnknownReturn as exc:
        raise PlatformError(404, str(exc)) from None
    return stored.public()


@router.get("/accounts")
def accounts(request: Request) -> list[dict[str, object]]:
    return [a.public() for a in platform(request).accounts()]


@router.post("/accounts", status_code=201)
async def add_account(request: Request) -> Response:
    """Validated by hand: FastAPI's own 422 would echo the body, password included."""
    try:
        account = Account.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
        return JSONResponse({"detail": errors}, status_code=422)
    platform(request).add_account(account)
    return JSONResponse(account.public(), status_code=201)


class CrmCut(BaseModel):
    """Cut the next ``times`` downloads of a SIRET's PAS returns (none given: every one)."""

    siret: str = Field(pattern=r"^\d{14}$")
    times: int | None = Field(None, ge=0, le=1000)


@router.post("/crm-cuts")
def cut_crm(request: Request, cut: CrmCut) -> dict[str, object]:
    platform(request).crm_cuts.cut(cut.siret, cut.times)
    return cut.model_dump()
