"""Alembic environment of the store.

``open_store`` runs it on a connection it already holds (``config.attributes["connection"]``),
inside one transaction, so no URL goes through Alembic's config. When a developer runs the
``alembic`` command with ``coursier/store/alembic.ini`` (to write a new revision, or to print
the SQL with ``--sql``), the URL comes from that file or from ``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

import coursier.store  # noqa: F401  (registers every ``*_tables`` module's tables on Base)
from coursier.store.tables import VERSION_TABLE, Base

config = context.config
if url_argument := context.get_x_argument(as_dictionary=True).get("url"):
    config.set_main_option("sqlalchemy.url", url_argument.replace("%", "%%"))


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        **kwargs,
    )


def _run_on(connection: Connection) -> None:
    # SQLite alters a table by rebuilding it: batch mode does that for every ALTER.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    url = config.get_main_option("sqlalchemy.url")
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
elif (held := config.attributes.get("connection")) is not None:
    _run_on(held)
else:
    section = config.get_section(config.config_ini_section, {})
    engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run_on(connection)
    engine.dispose()
