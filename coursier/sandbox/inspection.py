"""The inspection routes every platform has, under ``/{platform}/_sandbox/``: steer it.

Its fault rules (a rule on a route the platform does not have is 422, saying which it has), the
clock, and ``reset``. A platform adds its own (what it received) beside these. No token is
needed: the sandbox listens on loopback only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from coursier.sandbox.faults import Fault, UnknownFaultRoute

if TYPE_CHECKING:
    from coursier.sandbox.registry import SandboxState

router = APIRouter(prefix="/_sandbox")


class ClockAdvance(BaseModel):
    seconds: float = Field(ge=0)


def state_of(request: Request) -> SandboxState:
    """The state of the platform app serving ``request`` (``platform_app`` puts it there)."""
    return request.app.state.platform


@router.get("/faults")
def faults(request: Request) -> list[dict[str, object]]:
    return [f.model_dump(mode="json") for f in state_of(request).faults.rules()]


@router.post("/faults")
def set_fault(request: Request, fault: Fault) -> dict[str, object]:
    try:
        state_of(request).faults.set(fault)
    except UnknownFaultRoute as exc:
        raise HTTPException(422, str(exc)) from None
    return fault.model_dump(mode="json")


@router.delete("/faults")
def clear_faults(request: Request) -> dict[str, object]:
    state_of(request).faults.clear()
    return {"faults": []}


@router.get("/clock")
def clock(request: Request) -> dict[str, str]:
    return {"now": state_of(request).clock.now().isoformat()}


@router.post("/clock")
def advance_clock(request: Request, advance: ClockAdvance) -> dict[str, str]:
    """Move the server's clock forward (shared by every platform of the server)."""
    return {"now": state_of(request).clock.advance(advance.seconds).isoformat()}


@router.post("/reset")
def reset(request: Request) -> dict[str, str]:
    state = state_of(request)
    state.reset()
    return {"reset": state.name}
