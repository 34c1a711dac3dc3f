"""The published group picture and whose data it was drawn from

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_pictures",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["group_chats.id"],
            name=op.f("fk_group_pictures_chat_id_group_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_pictures")),
    )
    op.create_table(
        "group_picture_members",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["group_pictures.chat_id"],
            name=op.f("fk_group_picture_members_chat_id_group_pictures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_picture_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_group_picture_members")),
    )
    op.create_index(
        op.f("ix_group_picture_members_user_id"), "group_picture_members", ["user_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_group_picture_members_user_id"), table_name="group_picture_members")
    op.drop_table("group_picture_members")
    op.drop_table("group_pictures")
