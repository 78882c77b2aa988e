"""The Cegid Flow tables: the claims that keep each send to Loop exactly-once, each dossier's
onboarding state, and the watch's day-by-day comparison of the change stream.

- ``cegid_sends``: an activation (firm, dossier), a contact creation or a service proposal is
  claimed here (``sending``) before it is sent, keyed by the Loop account (its identity, never
  the platform's name alone), the action and its target; ``done`` once Loop said so or a
  reading found it done; ``unknown`` after a cut or a 5xx, until a reading decides;
- ``cegid_onboardings``: the last result of each dossier (ready, prerequisites missing,
  failed): the watch takes the ready ones;
- ``cegid_watch_days``: per dossier and day, the changes the daily report listed, those Flow
  received, those missing, replayed with ``partialInit``, and still missing after the replay.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from coursier.store.tables import Base, utcnow

SEND_STATES = ("sending", "unknown", "done")
ONBOARDING_STATUSES = ("ready", "prerequisites_missing", "failed")


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class CegidSend(Base):
    __tablename__ = "cegid_sends"
    __table_args__ = (
        UniqueConstraint("account_key", "action", "target", name="uq_cegid_sends_identity"),
        CheckConstraint(_among("state", SEND_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str]
    action: Mapped[str]
    target: Mapped[str]
    dossier: Mapped[str | None]
    state: Mapped[str]
    claim_run: Mapped[str]
    attempts: Mapped[int] = mapped_column(default=1)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]


class CegidOnboarding(Base):
    __tablename__ = "cegid_onboardings"
    __table_args__ = (
        UniqueConstraint("dossier", name="uq_cegid_onboardings_dossier"),
        CheckConstraint(_among("status", ONBOARDING_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier: Mapped[str]
    status: Mapped[str]
    message: Mapped[str]
    contact_id: Mapped[str | None]
    flow_run_id: Mapped[str]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CegidWatchDay(Base):
    __tablename__ = "cegid_watch_days"
    __table_args__ = (
        UniqueConstraint("dossier", "day", name="uq_cegid_watch_days_dossier_day"),
        Index("ix_cegid_watch_days_dossier_checked_at", "dossier", "checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier: Mapped[str]
    day: Mapped[date]
    expected: Mapped[int]
    received: Mapped[int]
    missing: Mapped[int]
    replayed: Mapped[int]
    still_missing: Mapped[int]
    flow_run_id: Mapped[str]
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
