"""Exactly-once deposits: account identity, claims with a holder and a lease, one open slot per
group of look-alike deposits; the declarant a concentrateur acts for.

- ``deposits`` gain the account identity (``account_key`` and its parts), the claim (run holding
  the row, when it took it, attempts), the declaration's ``business_id`` (S20.G00.05.009) and
  ``declaration_rank`` (S20.G00.05.004), the ``group_key`` of the deposits the platform's
  listing cannot tell apart, and ``open_slot``: the group key while the row's fate is unknown,
  unique per account, so that two such deposits never coexist. The idflux is unique per account.
  A new state ``not_sent``: known not to have reached the platform, to be sent (again).
- ``run_leases``: the runs holding claims and until when their lease runs.
- ``return_cursors`` are kept per account identity.
- ``companies`` and ``dossiers`` gain the declarant identity a concentrateur acts for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
OLD_STATES = (
    "'blocked', 'refused', 'not_deposited_m2m', 'sending', 'unknown',"
    " 'deposited', 'accepted', 'anomalies', 'rejected'"
)
NEW_STATES = OLD_STATES + ", 'not_sent'"
DECLARANT_COLUMNS = ("declarant_siret", "declarant_last_name", "declarant_first_name")


@contextmanager
def _returns_unlinked() -> Iterator[None]:
    """On SQLite, ``deposits`` is rebuilt (copied, dropped, renamed): its drop would break the
    foreign key of every stored return pointing at it, checked while foreign keys are on (they
    cannot be switched off inside the migration's transaction, and deferring them does not
    help: the rows were copied before the drop). So the returns' links are set aside, emptied
    while the table is rebuilt, then put back: the ids do not change."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("CREATE TEMPORARY TABLE kept_return_links AS SELECT id, deposit_id FROM dsn_returns")
    op.execute("UPDATE dsn_returns SET deposit_id = NULL")
    yield
    op.execute(
        "UPDATE dsn_returns SET deposit_id ="
        " (SELECT k.deposit_id FROM kept_return_links AS k WHERE k.id = dsn_returns.id)"
    )
    op.execute("DROP TABLE kept_return_links")


def upgrade() -> None:
    with _returns_unlinked(), op.batch_alter_table("deposits", schema=None) as batch_op:
        for name in ("account_key", "environment", "deposit_host", "business_id"):
            batch_op.add_column(sa.Column(name, sa.String(), nullable=True))
        batch_op.add_column(sa.Column("declaration_rank", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column("concentrateur", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("group_key", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("open_slot", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("claim_run", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", UTC_DATETIME, nullable=True))
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_constraint("uq_deposits_platform_idflux", type_="unique")
        batch_op.create_unique_constraint("uq_deposits_account_idflux", ["account_key", "idflux"])
        batch_op.create_unique_constraint(
            "uq_deposits_account_open_slot", ["account_key", "open_slot"]
        )
        batch_op.drop_constraint(op.f("ck_deposits_state"), type_="check")
        batch_op.create_check_constraint("state", f"state IN ({NEW_STATES})")
        batch_op.drop_index("ix_deposits_declarant")
        batch_op.create_index("ix_deposits_account", ["account_key", "state"], unique=False)
        batch_op.create_index("ix_deposits_claim_run", ["claim_run"], unique=False)

    op.create_table(
        "run_leases",
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_leases")),
    )

    op.drop_table("return_cursors")
    op.create_table(
        "return_cursors",
        sa.Column("account_key", sa.String(), nullable=False),
        sa.Column("listed_until", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_return_cursors")),
    )

    for table in ("companies", "dossiers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in DECLARANT_COLUMNS:
                batch_op.add_column(sa.Column(name, sa.String(), nullable=True))


def downgrade() -> None:
    for table in ("dossiers", "companies"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in reversed(DECLARANT_COLUMNS):
                batch_op.drop_column(name)
    op.drop_table("return_cursors")
    op.create_table(
        "return_cursors",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("declarant_siret", sa.String(), nullable=False),
        sa.Column("listed_until", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("platform", "declarant_siret", name=op.f("pk_return_cursors")),
    )
    op.drop_table("run_leases")
    op.execute("UPDATE deposits SET state = 'refused' WHERE state = 'not_sent'")
    with _returns_unlinked(), op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_deposits_claim_run")
        batch_op.drop_index("ix_deposits_account")
        batch_op.create_index("ix_deposits_declarant", ["platform", "declarant_siret"])
        batch_op.drop_constraint(op.f("ck_deposits_state"), type_="check")
        batch_op.create_check_constraint("state", f"state IN ({OLD_STATES})")
        batch_op.drop_constraint("uq_deposits_account_open_slot", type_="unique")
        batch_op.drop_constraint("uq_deposits_account_idflux", type_="unique")
        batch_op.create_unique_constraint("uq_deposits_platform_idflux", ["platform", "idflux"])
        for name in (
            "attempts",
            "claimed_at",
            "claim_run",
            "open_slot",
            "group_key",
            "concentrateur",
            "declaration_rank",
            "business_id",
            "deposit_host",
            "environment",
            "account_key",
        ):
            batch_op.drop_column(name)
