"""Accounts, candidate profiles, saved searches, offer ownership.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
    op.create_table(
        "candidate_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("desired_title", sa.String(200), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("city", sa.String(120), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=True),
        sa.Column("contract_types", sa.JSON(), nullable=False),
        sa.Column("seniority", sa.String(32), nullable=True),
        sa.Column("salary_expectation", sa.Float(), nullable=True),
        sa.Column("free_text", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_candidate_profiles_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_candidate_profiles")),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_saved_searches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_index(op.f("ix_saved_searches_user_id"), "saved_searches", ["user_id"])
    op.create_table(
        "offer_ownership",
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("canonical_id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="RESTRICT",
                                name=op.f("fk_offer_ownership_owner_id_users")),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_offer_ownership")),
    )
    op.create_index(op.f("ix_offer_ownership_canonical_id"), "offer_ownership", ["canonical_id"], unique=True)
    op.create_index(op.f("ix_offer_ownership_owner_id"), "offer_ownership", ["owner_id"])


def downgrade() -> None:
    op.drop_table("offer_ownership")
    op.drop_table("saved_searches")
    op.drop_table("candidate_profiles")
    op.drop_index(op.f("ix_users_email"), table_name="users")
    op.drop_table("users")
