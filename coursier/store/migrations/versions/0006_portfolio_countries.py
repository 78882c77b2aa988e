"""Companies of France and Belgium, and a platform per procedure for each dossier.

- ``companies`` gain ``country`` (FR, BE) and ``number`` (the SIREN, or the 10 digits of a
  Belgian enterprise number), unique together. ``siren`` stays for French rows, equal to
  ``number`` (a CHECK keeps them so), and is NULL for the others, so whoever reads French
  companies by SIREN still can. Existing rows become French, ``number`` = ``siren``.
- ``dossier_platforms(dossier_id, procedure, platform)``: one row per procedure a dossier takes
  part in. Existing dossiers keep their platform as the ``dsn`` one; ``dossiers.platform`` and
  its CHECK limited to Net-Entreprises and IZILIO go. A table rather than a JSON column: the
  primary key allows one platform per procedure and the foreign key no row without its dossier,
  "every dossier on Payflip for hr-sync" is an indexed query written alike on SQLite and
  PostgreSQL (no JSON dialects), and a new procedure adds rows, not a migration. No CHECK on
  the values: the portfolio model knows the procedures and their platforms.
- ``dossier_establishments.siret`` becomes ``number``: a SIRET, or a Belgian establishment unit.

SQLite alters a table by rebuilding it (batch mode), and a rebuild drops the old table. With
foreign keys on, which cannot be switched off inside the migration's transaction, dropping
``companies`` fails on the dossiers pointing at it, and dropping ``dossiers`` deletes their
establishments in cascade. So dossiers and establishments are first set aside in plain copies,
the tables altered while nothing points at them, and the rows put back. Every backend takes
that one path, so the path the tests run is the one SQLite users run.

Downgrade: refused while a company is not French (0005 has nowhere to keep it). A French
dossier that deposits no DSN gets net-entreprises, the only default 0005 knew; the platforms of
other procedures are dropped. Offline (``--sql``) the refusal cannot look at rows: the script
printed is for a portfolio without Belgian companies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SIREN_CHECK = (
    "(country = 'FR' AND siren IS NOT NULL AND siren = number) "
    "OR (country <> 'FR' AND siren IS NULL)"
)
OLD_PLATFORM_CHECK = "platform IN ('net-entreprises', 'izilio')"
DOSSIER_COLUMNS = (
    "id",
    "code",
    "name",
    "company_id",
    "declarant_siret",
    "declarant_last_name",
    "declarant_first_name",
)


def _type(column: str) -> sa.types.TypeEngine[object]:
    return sa.Integer() if column == "id" or column.endswith("_id") else sa.String()


def _table(name: str, *columns: str) -> sa.TableClause:
    """A table as these statements see it (typed, so that ``--sql`` can print their values)."""
    return sa.table(name, *(sa.column(column, _type(column)) for column in columns))


# The plain copies rows wait in while their tables are altered (no key, no constraint).
kept_dossiers = _table("coursier_0006_kept_dossiers", *DOSSIER_COLUMNS, "platform")
kept_establishments = _table("coursier_0006_kept_establishments", "dossier_id", "number")


def _copy(source: sa.TableClause, target: sa.TableClause, columns: dict[str, object]) -> None:
    """INSERT INTO target (keys of columns) SELECT values of columns FROM source."""
    selected = [
        value if isinstance(value, sa.ColumnElement) else source.c[value]
        for value in columns.values()
    ]
    op.execute(sa.insert(target).from_select(list(columns), sa.select(*selected)))


def upgrade() -> None:
    _set_aside(
        establishments=_table("dossier_establishments", "dossier_id", "siret"),
        dossiers=_table("dossiers", *DOSSIER_COLUMNS, "platform"),
        establishment_column="siret",
    )
    with op.batch_alter_table("companies") as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("number", sa.String(length=10), nullable=True))
    companies = _table("companies", "country", "number", "siren")
    op.execute(companies.update().values(country="FR", number=companies.c.siren))
    with op.batch_alter_table("companies") as batch_op:
        batch_op.alter_column("country", existing_type=sa.String(length=2), nullable=False)
        batch_op.alter_column("number", existing_type=sa.String(length=10), nullable=False)
        batch_op.alter_column("siren", existing_type=sa.String(length=9), nullable=True)
        batch_op.create_unique_constraint(
            op.f("uq_companies_country_number"), ["country", "number"]
        )
        batch_op.create_check_constraint("siren", SIREN_CHECK)

    with op.batch_alter_table("dossiers") as batch_op:
        batch_op.drop_constraint(op.f("ck_dossiers_platform"), type_="check")
        batch_op.drop_column("platform")
    _copy(kept_dossiers, _table("dossiers", *DOSSIER_COLUMNS), {c: c for c in DOSSIER_COLUMNS})
    op.create_table(
        "dossier_platforms",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_platforms_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", "procedure", name=op.f("pk_dossier_platforms")),
    )
    op.create_index(
        "ix_dossier_platforms_procedure_platform", "dossier_platforms", ["procedure", "platform"]
    )
    _copy(
        kept_dossiers,
        _table("dossier_platforms", "dossier_id", "procedure", "platform"),
        {"dossier_id": "id", "procedure": sa.literal("dsn"), "platform": "platform"},
    )
    _rename_establishment_column("siret", "number")
    _put_back_establishments("number")


def downgrade() -> None:
    _refuse_companies_not_french()
    platforms = _table("dossier_platforms", "dossier_id", "procedure", "platform")
    dossiers = _table("dossiers", *DOSSIER_COLUMNS)
    dsn_platform = (
        sa.select(platforms.c.platform)
        .where(platforms.c.dossier_id == dossiers.c.id, platforms.c.procedure == "dsn")
        .scalar_subquery()
    )
    _set_aside(
        establishments=_table("dossier_establishments", "dossier_id", "number"),
        dossiers=dossiers,
        establishment_column="number",
        platform=sa.func.coalesce(dsn_platform, "net-entreprises"),
    )
    op.drop_index("ix_dossier_platforms_procedure_platform", table_name="dossier_platforms")
    op.drop_table("dossier_platforms")

    with op.batch_alter_table("companies") as batch_op:
        batch_op.drop_constraint(op.f("ck_companies_siren"), type_="check")
        batch_op.drop_constraint(op.f("uq_companies_country_number"), type_="unique")
        batch_op.alter_column("siren", existing_type=sa.String(length=9), nullable=False)
        batch_op.drop_column("number")
        batch_op.drop_column("country")

    with op.batch_alter_table("dossiers") as batch_op:  # empty: NOT NULL needs no default
        batch_op.add_column(sa.Column("platform", sa.String(), nullable=False))
        batch_op.create_check_constraint("platform", OLD_PLATFORM_CHECK)
    columns = (*DOSSIER_COLUMNS, "platform")
    _copy(kept_dossiers, _table("dossiers", *columns), {c: c for c in columns})
    _rename_establishment_column("number", "siret")
    _put_back_establishments("siret")


def _set_aside(
    establishments: sa.TableClause,
    dossiers: sa.TableClause,
    establishment_column: str,
    platform: sa.ColumnElement[str] | str = "platform",
) -> None:
    """Copy dossiers (with their DSN platform, ``platform``) and establishments aside, then
    empty both tables: nothing points at ``companies`` or ``dossiers`` while they are rebuilt."""
    op.create_table(
        kept_dossiers.name,
        *(sa.Column(column.name, _type(column.name)) for column in kept_dossiers.c),
    )
    op.create_table(
        kept_establishments.name,
        *(sa.Column(column.name, _type(column.name)) for column in kept_establishments.c),
    )
    _copy(dossiers, kept_dossiers, {**{c: c for c in DOSSIER_COLUMNS}, "platform": platform})
    _copy(
        establishments,
        kept_establishments,
        {"dossier_id": "dossier_id", "number": establishment_column},
    )
    op.execute(establishments.delete())
    op.execute(dossiers.delete())


def _rename_establishment_column(old: str, new: str) -> None:
    with op.batch_alter_table("dossier_establishments") as batch_op:
        batch_op.drop_index(op.f(f"ix_dossier_establishments_{old}"))
        batch_op.alter_column(
            old, new_column_name=new, existing_type=sa.String(length=14), existing_nullable=False
        )
    op.create_index(op.f(f"ix_dossier_establishments_{new}"), "dossier_establishments", [new])


def _put_back_establishments(column: str) -> None:
    _copy(
        kept_establishments,
        _table("dossier_establishments", "dossier_id", column),
        {"dossier_id": "dossier_id", column: "number"},
    )
    op.drop_table(kept_establishments.name)
    op.drop_table(kept_dossiers.name)


def _refuse_companies_not_french() -> None:
    if context.is_offline_mode():
        return
    companies = _table("companies", "country", "number")
    others = op.get_bind().execute(
        sa.select(companies.c.country, companies.c.number)
        .where(companies.c.country != "FR")
        .order_by(companies.c.number)
    )
    found = [f"{country}{number}" for country, number in others]
    if found:
        raise RuntimeError(
            f"retour à la révision 0005 impossible : le portefeuille compte {len(found)} "
            f"entreprise(s) non française(s) ({', '.join(found[:5])}"
            f"{', …' if len(found) > 5 else ''}), que 0005 ne sait pas "
            "représenter ; retirez-les du store d'abord, ou restez en 0006"
        )
