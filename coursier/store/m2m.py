"""The M2M deposit switch, per operator and per module (DSN, signalement, FCTU).

Off unless switched on: the M2M seed makes the deposit optional, activated by each user for
each module. Every change is written to the audit trail with who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coursier.models.portfolio import M2M_MODULES, M2MModule
from coursier.store.audit import append_audit
from coursier.store.tables import M2MSwitch, utcnow


@dataclass(frozen=True)
class M2MStatus:
    """Whether ``operator`` deposits ``module`` M2M; ``updated_*`` None when never switched."""

    operator: str
    module: M2MModule
    enabled: bool
    updated_at: datetime | None = None
    updated_by: str | None = None


def set_m2m(session: Session, operator: str, module: M2MModule, enabled: bool, by: str) -> bool:
    """Switch ``module`` on or off for ``operator``; returns whether that changed anything.
    The change (or the confirmation of the same state) is audited."""
    if module not in M2M_MODULES:
        raise ValueError(f"module {module!r} inconnu : {', '.join(M2M_MODULES)}")
    switch = session.get(M2MSwitch, (operator, module))
    was = switch is not None and switch.enabled
    if switch is None:
        switch = M2MSwitch(operator=operator, module=module, enabled=enabled, updated_by=by)
        session.add(switch)
    switch.enabled, switch.updated_at, switch.updated_by = enabled, utcnow(), by
    append_audit(
        session,
        actor=by,
        action="m2m.on" if enabled else "m2m.off",
        subject=f"{operator}/{module}",
        outcome="changed" if was != enabled else "unchanged",
        details={"operator": operator, "module": module, "enabled": enabled},
    )
    return was != enabled


def m2m_enabled(session: Session, operator: str, module: M2MModule) -> bool:
    """Whether ``operator`` has switched M2M deposit on for ``module`` (off by default)."""
    switch = session.get(M2MSwitch, (operator, module))
    return switch is not None and switch.enabled


def m2m_status(session: Session, operator: str | None = None) -> list[M2MStatus]:
    """Every module of ``operator`` (off where never switched), or every switch ever set."""
    query = select(M2MSwitch).order_by(M2MSwitch.operator, M2MSwitch.module)
    if operator is not None:
        query = query.where(M2MSwitch.operator == operator)
    statuses = [
        M2MStatus(s.operator, s.module, s.enabled, s.updated_at, s.updated_by)
        for s in session.scalars(query)
    ]
    if operator is None:
        return statuses
    known = {status.module: status for status in statuses}
    return [known.get(module, M2MStatus(operator, module, False)) for module in M2M_MODULES]
