"""resumes, analyses, user skills

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from jobhunt_common import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resume",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resume")),
    )
    op.create_index(op.f("ix_resume_owner_id"), "resume", ["owner_id"])
    op.create_table(
        "analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("job_title", sa.String(300), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("resume_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis")),
    )
    op.create_index(op.f("ix_analysis_owner_id"), "analysis", ["owner_id"])
    op.create_table(
        "user_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_skill")),
        sa.UniqueConstraint("owner_id", "name_key", name=op.f("uq_user_skill_owner_id_name_key")),
    )
    op.create_index(op.f("ix_user_skill_owner_id"), "user_skill", ["owner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_user_skill_owner_id"), table_name="user_skill")
    op.drop_table("user_skill")
    op.drop_index(op.f("ix_analysis_owner_id"), table_name="analysis")
    op.drop_table("analysis")
    op.drop_index(op.f("ix_resume_owner_id"), table_name="resume")
    op.drop_table("resume")
