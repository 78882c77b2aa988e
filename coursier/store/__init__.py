"""coursier's store: per-item outcomes, the audit trail, the portfolio, the M2M switches, the
deposit ledger with its returns, the PAS rates and anomalies, in SQLite or any SQLAlchemy
database.

Open it with ``open_store(url)`` (which migrates the schema), then work inside
``with store.begin() as session:``.
"""

import importlib
import pkgutil

from coursier.store.audit import append_audit, query_audit
from coursier.store.database import Store, open_store
from coursier.store.ledger_tables import Deposit, ReturnCursor, StoredReturn
from coursier.store.m2m import M2MStatus, m2m_enabled, m2m_status, set_m2m
from coursier.store.outcomes import (
    OutcomeIn,
    failed_item_keys,
    latest_run_id,
    outcomes_of,
    record_outcomes,
    run_summary,
)
from coursier.store.pas_tables import PasAnomalyRow, PasRateRow
from coursier.store.portfolio import (
    DossierView,
    ImportSummary,
    get_dossier,
    import_portfolio,
    list_dossiers,
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
    "Deposit",
    "DossierView",
    "ImportSummary",
    "ItemOutcome",
    "M2MStatus",
    "OutcomeIn",
    "OutcomeStatus",
    "PasAnomalyRow",
    "PasRateRow",
    "ReturnCursor",
    "Store",
    "StoredReturn",
    "append_audit",
    "failed_item_keys",
    "get_dossier",
    "import_portfolio",
    "latest_run_id",
    "list_dossiers",
    "m2m_enabled",
    "m2m_status",
    "open_store",
    "outcomes_of",
    "query_audit",
    "record_outcomes",
    "run_summary",
    "set_m2m",
]


def _register_every_table() -> None:
    """Each procedure keeps its tables in a ``coursier/store/*_tables.py`` module, which puts
    them on ``Base`` when imported: importing them all here lets the migrations and the schema
    checks see every table, and a new procedure add its own without touching a shared module."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"{__name__}.{module.name}")


_register_every_table()
