"""The one place that knows the store speaks SQLite and PostgreSQL: their INSERT … ON CONFLICT."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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


def insert_new(
    session: Session, table: Table, key: tuple[str, ...], columns: dict[str, Any]
) -> int | None:
    """``INSERT … ON CONFLICT (key) DO NOTHING RETURNING id`` of one row: its id, or None when
    a row with that key exists. Compiled once per table, key and set of columns: the hottest
    inserts of a run (claims, new returns) skip the ORM's unit of work."""
    connection = session.connection()
    statement = _insert_new(connection.dialect.name, table, key, frozenset(columns))
    return connection.execute(statement, columns).scalar_one_or_none()


@cache
def _insert_new(dialect: str, table: Table, key: tuple[str, ...], columns: frozenset[str]) -> Any:
    return (
        insert_for(dialect)(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in sorted(columns)})
        .on_conflict_do_nothing(index_elements=[table.c[name] for name in key])
        .returning(table.c.id)
    )
