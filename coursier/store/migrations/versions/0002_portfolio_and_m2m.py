"""The portfolio (data directories, companies, dossiers and their establishments) and the
per-operator, per-module M2M deposit switches.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "data_directories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_directories")),
        sa.UniqueConstraint("code", name=op.f("uq_data_directories_code")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("directory_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["data_directories.id"],
            name=op.f("fk_companies_directory_id_data_directories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("siren", name=op.f("uq_companies_siren")),
    )
    op.create_index(op.f("ix_companies_directory_id"), "companies", ["directory_id"])
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.CheckConstraint(
            "platform IN ('net-entreprises', 'izilio')", name=op.f("ck_dossiers_platform")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_dossiers_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
    )
    op.create_index(op.f("ix_dossiers_company_id"), "dossiers", ["company_id"])
    op.create_table(
        "dossier_establishments",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_establishments_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", "siret", name=op.f("pk_dossier_establishments")),
    )
    op.create_index(op.f("ix_dossier_establishments_siret"), "dossier_establishments", ["siret"])
    op.create_table(
        "m2m_switches",
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("module", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.CheckConstraint(
            "module IN ('dsn', 'signalement', 'fctu')", name=op.f("ck_m2m_switches_module")
        ),
        sa.PrimaryKeyConstraint("operator", "module", name=op.f("pk_m2m_switches")),
    )


def downgrade() -> None:
    op.drop_table("m2m_switches")
    op.drop_table("dossier_establishments")
    op.drop_table("dossiers")
    op.drop_table("companies")
    op.drop_table("data_directories")
