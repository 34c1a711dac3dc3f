"""Initial schema

Creates every table: users, profiles, targets, assessments, ratings,
conversations, reminders, CPD entries, group chats and group members.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("privacy_accepted_at", TS, nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "group_chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("bot_member", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_chats")),
    )
    op.create_table(
        "profiles",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=True),
        sa.Column("career_stage", sa.String(length=32), nullable=True),
        sa.Column("directions", sa.JSON(), nullable=False),
        sa.Column("years_in_management", sa.Integer(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        _user_fk("profiles"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_profiles")),
    )
    op.create_table(
        "targets",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        _user_fk("targets"),
        sa.PrimaryKeyConstraint("user_id", "domain_id", name=op.f("pk_targets")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        _user_fk("assessments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index(op.f("ix_assessments_user_id"), "assessments", ["user_id"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        # "" is the per-domain rating, so the unique constraint covers it too.
        sa.Column("range_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("rated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_ratings_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint(
            "assessment_id",
            "domain_id",
            "range_id",
            name=op.f("uq_ratings_assessment_id_domain_id_range_id"),
        ),
    )
    op.create_table(
        "conversations",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        _user_fk("conversations"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        _user_fk("reminders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_due_at", "reminders", ["due_at"])
    op.create_index(op.f("ix_reminders_user_id"), "reminders", ["user_id"])
    op.create_table(
        "cpd_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("logged_at", TS, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("domain_id", sa.String(length=64), nullable=True),
        sa.Column("range_id", sa.String(length=64), nullable=True),
        _user_fk("cpd_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_entries")),
    )
    op.create_index(op.f("ix_cpd_entries_user_id"), "cpd_entries", ["user_id"])
    op.create_table(
        "group_members",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.Column("share_profile", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("mentor_domains", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["group_chats.id"],
            name=op.f("fk_group_members_chat_id_group_chats"),
            ondelete="CASCADE",
        ),
        _user_fk("group_members"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_index(op.f("ix_group_members_user_id"), "group_members", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_group_members_user_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_index(op.f("ix_cpd_entries_user_id"), table_name="cpd_entries")
    op.drop_table("cpd_entries")
    op.drop_index(op.f("ix_reminders_user_id"), table_name="reminders")
    op.drop_index("ix_reminders_due_at", table_name="reminders")
    op.drop_table("reminders")
    op.drop_table("conversations")
    op.drop_table("ratings")
    op.drop_index(op.f("ix_assessments_user_id"), table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("targets")
    op.drop_table("profiles")
    op.drop_table("group_chats")
    op.drop_table("users")
