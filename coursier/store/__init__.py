"""coursier's store: per-item outcomes and the audit trail, in SQLite or any SQLAlchemy database.

Open it with ``open_store(url)`` (which migrates the schema), then work inside
``with store.begin() as session:``.
"""

from coursier.store.audit import append_audit, query_audit
from coursier.store.database import Store, open_store
from coursier.store.outcomes import (
    OutcomeIn,
    failed_item_keys,
    latest_run_id,
    outcomes_of,
    record_outcomes,
    run_summary,
)
from coursier.store.tables import (
    OUTCOME_STATUSES,
    AuditEvent,
    AuditIsAppendOnly,
    ItemOutcome,
    OutcomeStatus,
)

__all__ = [
    "OUTCOME_STATUSES",
    "AuditEvent",
    "AuditIsAppendOnly",
    "ItemOutcome",
    "OutcomeIn",
    "OutcomeStatus",
    "Store",
    "append_audit",
    "failed_item_keys",
    "latest_run_id",
    "open_store",
    "outcomes_of",
    "query_audit",
    "record_outcomes",
    "run_summary",
]
