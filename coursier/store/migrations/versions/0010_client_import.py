"""Client import: the claims keeping each create / invitation sent to Accounton exactly-once,
and the plans computed for review.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "client_import_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("claim_run", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", JSON_DOCUMENT, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("settled_at", UTC_DATETIME, nullable=True),
        sa.CheckConstraint(
            "state IN ('sending', 'unknown', 'done')", name=op.f("ck_client_import_sends_state")
        ),
        sa.CheckConstraint(
            "action IN ('create', 'invite')", name=op.f("ck_client_import_sends_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_import_sends")),
        sa.UniqueConstraint(
            "account_key", "action", "target", name="uq_client_import_sends_identity"
        ),
    )
    op.create_table(
        "client_import_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("taskflow", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("counts", JSON_DOCUMENT, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_import_plans")),
    )
    with op.batch_alter_table("client_import_plans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_client_import_plans_dossier_created", ["dossier", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("client_import_plans", schema=None) as batch_op:
        batch_op.drop_index("ix_client_import_plans_dossier_created")
    op.drop_table("client_import_plans")
    op.drop_table("client_import_sends")
