"""The last lookup answer per user, so follow-up questions survive a restart

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookup_contexts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("answer_key", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lookup_contexts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_lookup_contexts")),
    )


def downgrade() -> None:
    op.drop_table("lookup_contexts")
