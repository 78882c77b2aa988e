"""The client-import tables: the claims that keep each create / invitation sent to Accounton
exactly-once, and the plans computed for review.

- ``client_import_sends``: a customer creation (target: the client's identity, its national
  number or else its e-mail) or an invitation (target: the Accounton customer id) is claimed
  here (``sending``) before it is sent, keyed by the Accounton account (its identity, never the
  platform's name alone); ``done`` once Accounton said so or a look-up found it done, with the
  customer id in ``result``; ``unknown`` after a cut or a 5xx, until a look-up decides.
- ``client_import_plans``: each plan computed (source, scope, counts per class): what was
  proposed for review, beside the audit of what was applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from coursier.store.tables import Base, utcnow

SEND_STATES = ("sending", "unknown", "done")
SEND_ACTIONS = ("create", "invite")


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ClientImportSend(Base):
    __tablename__ = "client_import_sends"
    __table_args__ = (
        UniqueConstraint("account_key", "action", "target", name="uq_client_import_sends_identity"),
        CheckConstraint(_among("state", SEND_STATES), name="state"),
        CheckConstraint(_among("action", SEND_ACTIONS), name="action"),
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


class ClientImportPlan(Base):
    __tablename__ = "client_import_plans"
    __table_args__ = (Index("ix_client_import_plans_dossier_created", "dossier", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier: Mapped[str]
    source: Mapped[str]
    taskflow: Mapped[str | None]
    flow_run_id: Mapped[str | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
