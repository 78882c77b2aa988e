"""Per-item outcomes and the append-only audit trail.

The audit triggers live only in the database, not in the ORM metadata, so autogenerate does not
see them. SQLite's batch mode rebuilds a table to alter it and drops its triggers on the way:
a later migration that alters ``audit_events`` must create them again.

Revision ID: 0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_DATETIME = sa.DateTime(timezone=True)

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END""",
)

# restrict_violation (SQLSTATE 23001) makes drivers raise an IntegrityError, as SQLite does.
# No "%" in the message: drivers with the pyformat paramstyle would double it in printed SQL.
POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION coursier_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused',
            ERRCODE = 'restrict_violation';
    END
    $$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION coursier_audit_append_only()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION coursier_audit_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "item_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=False),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("item_key", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error_code", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=True),
        sa.Column("details", JSON_DOCUMENT, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('ok', 'failed', 'skipped')", name=op.f("ck_item_outcomes_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_outcomes")),
        sa.UniqueConstraint(
            "flow_run_id", "item_key", name=op.f("uq_item_outcomes_flow_run_id_item_key")
        ),
    )
    op.create_index(
        op.f("ix_item_outcomes_flow_recorded_at"), "item_outcomes", ["flow", "recorded_at"]
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("flow", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("dossier", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("details", JSON_DOCUMENT, server_default=sa.text("'{}'"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])
    op.create_index(op.f("ix_audit_events_flow_at"), "audit_events", ["flow", "at"])
    op.create_index(op.f("ix_audit_events_dossier_at"), "audit_events", ["dossier", "at"])

    dialect = op.get_context().dialect.name
    triggers = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(dialect, ())
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    # Dropping the table drops its triggers; PostgreSQL keeps the function until told.
    op.drop_table("audit_events")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION coursier_audit_append_only()")
    op.drop_table("item_outcomes")
