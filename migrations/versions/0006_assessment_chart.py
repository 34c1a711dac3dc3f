"""An assessment keeps its profile chart, so /plan and /export reuse it instead of redrawing

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("chart_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("chart_png", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("chart_png")
        batch.drop_column("chart_key")
