"""The deposit ledger and the returns collected for it.

A deposit is keyed by (dossier, sha256 of the file): a file accepted once is never sent again.
Its row is written before the POST ("sending") and updated after, so that a crash or a cut
leaves a trace to reconcile. Returns are stored with their content on (platform, idflux,
nature, return id); an overwritten return replaces the stored one, its ``version`` grows and
the audit keeps the change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from coursier.models.deposits import DepositState
from coursier.store.tables import Base, JSONDocument, utcnow

DEPOSIT_STATES = tuple(state.value for state in DepositState)


class Deposit(Base):
    __tablename__ = "deposits"
    __table_args__ = (
        UniqueConstraint("dossier", "file_sha256", name="uq_deposits_dossier_file_sha256"),
        UniqueConstraint("account_key", "idflux", name="uq_deposits_account_idflux"),
        # While a deposit's fate is unknown its group key is its open slot: at most one per
        # group and account, so the platform's listing can always tell unknown deposits apart.
        UniqueConstraint("account_key", "open_slot", name="uq_deposits_account_open_slot"),
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in DEPOSIT_STATES) + ")", name="state"
        ),
        Index("ix_deposits_state", "state"),
        Index("ix_deposits_account", "account_key", "state"),
        Index("ix_deposits_claim_run", "claim_run"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier: Mapped[str]
    platform: Mapped[str]
    module: Mapped[str | None]
    file_name: Mapped[str]
    file_path: Mapped[str]
    file_sha256: Mapped[str]
    file_size: Mapped[int]
    nature: Mapped[str | None]
    declaration_type: Mapped[str | None]
    siret: Mapped[str | None]
    month: Mapped[date | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    employees: Mapped[int | None]
    state: Mapped[str]
    message: Mapped[str | None]
    anomalies: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, server_default=text("'[]'")
    )
    idflux: Mapped[str | None]
    business_id: Mapped[str | None]  # S20.G00.05.009, quoted back by the bilans
    declaration_rank: Mapped[str | None]  # S20.G00.05.004
    # The account identity (coursier.models.accounts.AccountIdentity) and its parts.
    account_key: Mapped[str | None]
    environment: Mapped[str | None]
    deposit_host: Mapped[str | None]
    concentrateur: Mapped[bool] = mapped_column(default=False, server_default=false())
    declarant_siret: Mapped[str | None]
    credential_name: Mapped[str | None]
    group_key: Mapped[str | None]
    open_slot: Mapped[str | None]
    claim_run: Mapped[str | None]  # the run holding the row while it is being sent
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    operator: Mapped[str | None]
    flow_run_id: Mapped[str | None]
    aer_available: Mapped[bool] = mapped_column(default=False, server_default=false())
    sent_at: Mapped[datetime | None]
    deposited_at: Mapped[datetime | None]
    final_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StoredReturn(Base):
    __tablename__ = "dsn_returns"
    __table_args__ = (
        UniqueConstraint(
            "platform", "idflux", "nature", "return_id", name="uq_dsn_returns_identity"
        ),
        Index("ix_dsn_returns_deposit_id", "deposit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposits.id"))
    platform: Mapped[str]
    idflux: Mapped[str]
    nature: Mapped[str]
    return_id: Mapped[str]
    status: Mapped[str]
    published_at: Mapped[datetime | None]
    produced_at: Mapped[datetime | None]
    url: Mapped[str | None]
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sha256: Mapped[str | None]
    message: Mapped[str | None]
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnCursor(Base):
    """Up to when the returns of one account were listed: the next look starts there."""

    __tablename__ = "return_cursors"

    account_key: Mapped[str] = mapped_column(primary_key=True)
    listed_until: Mapped[datetime]


class RunLease(Base):
    """A run that holds claims on deposits, and until when: a run that stops renewing its lease
    (killed, machine gone) leaves claims that only reconciliation may take over."""

    __tablename__ = "run_leases"

    run_id: Mapped[str] = mapped_column(primary_key=True)
    flow: Mapped[str]
    host: Mapped[str]
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
