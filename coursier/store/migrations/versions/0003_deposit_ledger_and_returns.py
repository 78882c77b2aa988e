"""The deposit ledger, the returns collected for each deposit, and the listing cursors.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deposits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("module", sa.String(), nullable=True),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("file_path", sa.String(), nullable=False),
        sa.Column("file_sha256", sa.String(), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("nature", sa.String(), nullable=True),
        sa.Column("declaration_type", sa.String(), nullable=True),
        sa.Column("siret", sa.String(), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("anomalies", JSON_DOCUMENT, server_default=sa.text("'[]'"), nullable=False),
        sa.Column("idflux", sa.String(), nullable=True),
        sa.Column("declarant_siret", sa.String(), nullable=True),
        sa.Column("credential_name", sa.String(), nullable=True),
        sa.Column("operator", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("aer_available", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("deposited_at", UTC_DATETIME, nullable=True),
        sa.Column("final_at", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "state IN ('blocked', 'refused', 'not_deposited_m2m', 'sending', 'unknown',"
            " 'deposited', 'accepted', 'anomalies', 'rejected')",
            name=op.f("ck_deposits_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposits")),
        sa.UniqueConstraint("dossier", "file_sha256", name="uq_deposits_dossier_file_sha256"),
        sa.UniqueConstraint("platform", "idflux", name="uq_deposits_platform_idflux"),
    )
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deposits_declarant", ["platform", "declarant_siret"], unique=False
        )
        batch_op.create_index("ix_deposits_state", ["state"], unique=False)

    op.create_table(
        "return_cursors",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("declarant_siret", sa.String(), nullable=False),
        sa.Column("listed_until", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("platform", "declarant_siret", name=op.f("pk_return_cursors")),
    )
    op.create_table(
        "dsn_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("idflux", sa.String(), nullable=False),
        sa.Column("nature", sa.String(), nullable=False),
        sa.Column("return_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("published_at", UTC_DATETIME, nullable=True),
        sa.Column("produced_at", UTC_DATETIME, nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_sha256", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["deposit_id"], ["deposits.id"], name=op.f("fk_dsn_returns_deposit_id_deposits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsn_returns")),
        sa.UniqueConstraint(
            "platform", "idflux", "nature", "return_id", name="uq_dsn_returns_identity"
        ),
    )
    with op.batch_alter_table("dsn_returns", schema=None) as batch_op:
        batch_op.create_index("ix_dsn_returns_deposit_id", ["deposit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dsn_returns", schema=None) as batch_op:
        batch_op.drop_index("ix_dsn_returns_deposit_id")

    op.drop_table("dsn_returns")
    op.drop_table("return_cursors")
    with op.batch_alter_table("deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_deposits_state")
        batch_op.drop_index("ix_deposits_declarant")

    op.drop_table("deposits")
