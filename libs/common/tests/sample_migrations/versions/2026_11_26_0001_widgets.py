"""widgets

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "widget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widget")),
    )
    op.create_index(op.f("ix_widget_owner_id"), "widget", ["owner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_widget_owner_id"), table_name="widget")
    op.drop_table("widget")
