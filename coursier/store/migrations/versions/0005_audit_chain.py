"""The audit trail is hash-chained: every row carries the previous row's hash and its own.

``prev_hash`` and ``row_hash`` (sha256, hex) are added and computed for the rows already there,
in id order, as ``coursier.store.audit_chain`` defines them. ``prev_hash`` is unique: two rows
chained to the same predecessor (a fork) cannot both be stored.

Filling the new columns is an UPDATE, which the append-only triggers refuse: on PostgreSQL they
are disabled for the length of this transaction; on SQLite they are dropped and created again
(batch mode rebuilds the table to make the columns NOT NULL, which drops them anyway). Their
text is 0001's: a migration is a snapshot, it does not follow later edits of another one.

Offline (``alembic upgrade --sql``) there are no rows to read: the script it prints is for a
database whose audit trail is empty (on any other, making the columns NOT NULL fails).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from coursier.store.audit_chain import GENESIS, row_hash
from coursier.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HASH = sa.String(64)
SQLITE_TRIGGERS = {
    "audit_events_no_update": """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END""",
    "audit_events_no_delete": """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END""",
}
POSTGRESQL_TRIGGER = "audit_events_append_only"

audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    *(
        sa.column(name, sa.String())
        for name in ("actor", "flow", "flow_run_id", "dossier", "action", "subject", "outcome")
    ),
    sa.column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    sa.column("prev_hash", HASH),
    sa.column("row_hash", HASH),
)


def upgrade() -> None:
    _allow_updates()
    op.add_column("audit_events", sa.Column("prev_hash", HASH, nullable=True))
    op.add_column("audit_events", sa.Column("row_hash", HASH, nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=HASH, nullable=False)
        batch_op.alter_column("row_hash", existing_type=HASH, nullable=False)
        batch_op.create_unique_constraint("uq_audit_events_prev_hash", ["prev_hash"])
    _refuse_updates()


def downgrade() -> None:
    _allow_updates()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_events_prev_hash", type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
    _refuse_updates()


def _chain_existing_rows() -> None:
    if op.get_context().as_sql:
        return
    connection = op.get_bind()
    links = []
    prev_hash = GENESIS
    for row in connection.execute(sa.select(audit_events).order_by(audit_events.c.id)):
        own = row_hash(row, prev_hash)
        links.append({"key": row.id, "prev_hash": prev_hash, "row_hash": own})
        prev_hash = own
    if links:
        connection.execute(
            audit_events.update()
            .where(audit_events.c.id == sa.bindparam("key"))
            .values(prev_hash=sa.bindparam("prev_hash"), row_hash=sa.bindparam("row_hash")),
            links,
        )


def _allow_updates() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_events DISABLE TRIGGER {POSTGRESQL_TRIGGER}")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _refuse_updates() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_events ENABLE TRIGGER {POSTGRESQL_TRIGGER}")
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)
