"""The one place that knows the store speaks SQLite and PostgreSQL: their INSERT … ON CONFLICT."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

_INSERTS: dict[str, Callable[[Any], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def insert_for(dialect: str) -> Callable[[Any], Any]:
    """``insert`` of ``dialect``, whose statements have ``on_conflict_do_…``."""
    insert = _INSERTS.get(dialect)
    if insert is None:
        raise ValueError(
            f"the store supports SQLite and PostgreSQL, not {dialect}: "
            "set COURSIER_DATABASE_URL to one of them"
        )
    return insert
