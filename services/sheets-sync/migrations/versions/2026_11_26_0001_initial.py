"""sheets-sync tables: credentials, connections, snapshots, conflicts, runs, leases

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_account_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("client_email", sa.String(length=320), nullable=False),
        sa.Column("project_id", sa.String(length=200), nullable=True),
        sa.Column("private_key_id", sa.String(length=200), nullable=True),
        sa.Column("encrypted_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_account_credential")),
        sa.UniqueConstraint("owner_id", name=op.f("uq_service_account_credential_owner_id")),
    )
    op.create_table(
        "sheet_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("spreadsheet_id", sa.String(length=200), nullable=False),
        sa.Column("worksheet", sa.String(length=200), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("schedule_minutes", sa.Integer(), nullable=True),
        sa.Column("conflict_policy", sa.String(length=16), nullable=False),
        sa.Column("deleted_policy", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_detail", sa.Text(), nullable=True),
        sa.Column("delegation_id", sa.String(length=64), nullable=True),
        sa.Column("encrypted_delegation_secret", sa.Text(), nullable=True),
        sa.Column("tracker_watermark", sa.String(length=64), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_connection")),
    )
    with op.batch_alter_table("sheet_connection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_connection_next_sync_at"), ["next_sync_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sheet_connection_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("base_value", sa.Text(), nullable=True),
        sa.Column("sheet_value", sa.Text(), nullable=False),
        sa.Column("tracker_value", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolved_value", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=16), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sheet_connection.id"],
            name=op.f("fk_sync_conflict_connection_id_sheet_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_conflict_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "sync_lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sheet_connection.id"],
            name=op.f("fk_sync_lease_connection_id_sheet_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_lease")),
        sa.UniqueConstraint("connection_id", name=op.f("uq_sync_lease_connection_id")),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_detail", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_pulled", sa.Integer(), nullable=False),
        sa.Column("rows_pushed", sa.Integer(), nullable=False),
        sa.Column("rows_created", sa.Integer(), nullable=False),
        sa.Column("rows_appended", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("google_reads", sa.Integer(), nullable=False),
        sa.Column("google_writes", sa.Integer(), nullable=False),
        sa.Column("google_retries", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sheet_connection.id"],
            name=op.f("fk_sync_run_connection_id_sheet_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_run")),
    )
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_run_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "sync_snapshot",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("field_values", sa.JSON(), nullable=False),
        sa.Column("tracker_values", sa.JSON(), nullable=False),
        sa.Column("tracker_version", sa.Integer(), nullable=True),
        sa.Column("tracker_deleted", sa.Boolean(), nullable=False),
        sa.Column("vanished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sheet_connection.id"],
            name=op.f("fk_sync_snapshot_connection_id_sheet_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "application_id", name=op.f("pk_sync_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("sync_snapshot")
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_run_connection_id"))

    op.drop_table("sync_run")
    op.drop_table("sync_lease")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_connection_id"))

    op.drop_table("sync_conflict")
    with op.batch_alter_table("sheet_connection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sheet_connection_owner_id"))
        batch_op.drop_index(batch_op.f("ix_sheet_connection_next_sync_at"))

    op.drop_table("sheet_connection")
    op.drop_table("service_account_credential")
