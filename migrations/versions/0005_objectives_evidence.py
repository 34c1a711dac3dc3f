"""Development plan: objectives, CPD evidence, reflections, shares, comments, print details

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("print_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("practice", sa.String(length=255), nullable=True))
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("range_id", sa.String(length=64), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("status_at", TS, nullable=True),
        sa.Column("signed_off_at", TS, nullable=True),
        _user_fk("objectives"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
    )
    op.create_index(op.f("ix_objectives_user_id"), "objectives", ["user_id"])
    with op.batch_alter_table("cpd_entries") as batch:
        batch.add_column(sa.Column("happened_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("objective_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reflect_what", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reflect_so_what", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reflect_now_what", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_cpd_entries_objective_id_objectives"),
            "objectives",
            ["objective_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        _user_fk("evidence_files"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["cpd_entries.id"],
            name=op.f("fk_evidence_files_entry_id_cpd_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index(op.f("ix_evidence_files_user_id"), "evidence_files", ["user_id"])
    op.create_index(op.f("ix_evidence_files_entry_id"), "evidence_files", ["entry_id"])
    op.create_table(
        "plan_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("appraiser_id", sa.BigInteger(), nullable=True),
        sa.Column("appraiser_name", sa.String(length=255), nullable=True),
        sa.Column("opened_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("signed_off_at", TS, nullable=True),
        _user_fk("plan_shares"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_shares")),
        sa.UniqueConstraint("token", name=op.f("uq_plan_shares_token")),
    )
    op.create_index(op.f("ix_plan_shares_user_id"), "plan_shares", ["user_id"])
    op.create_table(
        "plan_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["plan_shares.id"],
            name=op.f("fk_plan_comments_share_id_plan_shares"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_plan_comments_objective_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_comments")),
    )
    op.create_index(op.f("ix_plan_comments_share_id"), "plan_comments", ["share_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_comments_share_id"), table_name="plan_comments")
    op.drop_table("plan_comments")
    op.drop_index(op.f("ix_plan_shares_user_id"), table_name="plan_shares")
    op.drop_table("plan_shares")
    op.drop_index(op.f("ix_evidence_files_entry_id"), table_name="evidence_files")
    op.drop_index(op.f("ix_evidence_files_user_id"), table_name="evidence_files")
    op.drop_table("evidence_files")
    with op.batch_alter_table("cpd_entries") as batch:
        batch.drop_constraint(op.f("fk_cpd_entries_objective_id_objectives"), type_="foreignkey")
        batch.drop_column("reflect_now_what")
        batch.drop_column("reflect_so_what")
        batch.drop_column("reflect_what")
        batch.drop_column("objective_id")
        batch.drop_column("happened_on")
    op.drop_index(op.f("ix_objectives_user_id"), table_name="objectives")
    op.drop_table("objectives")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("practice")
        batch.drop_column("print_name")
