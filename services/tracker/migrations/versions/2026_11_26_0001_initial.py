"""tracker tables: accounts, applications, status events, companies, contacts,
interviews, tasks, notes, idempotency keys, and full-text search (FTS5 / tsvector)

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Full-text search over title, company name, description and notes, kept in step by
# triggers so every writer (API, import, bulk SQL) indexes alike. SQLite: an FTS5 table
# whose rowid is the application id. PostgreSQL: a tsvector per application with GIN.
SQLITE_ROW = """
    SELECT a.id, a.title, c.name, a.description,
           (SELECT group_concat(n.body, ' ') FROM notes n WHERE n.application_id = a.id)
    FROM applications a LEFT JOIN companies c ON c.id = a.company_id
"""
SQLITE_INSERT = "INSERT INTO application_search(rowid, title, company, description, notes)"
SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE application_search USING fts5("
    "title, company, description, notes, tokenize='porter unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER applications_search_insert AFTER INSERT ON applications BEGIN
        {SQLITE_INSERT} {SQLITE_ROW} WHERE a.id = new.id;
    END""",
    f"""CREATE TRIGGER applications_search_update
        AFTER UPDATE OF title, company_id, description ON applications BEGIN
        DELETE FROM application_search WHERE rowid = old.id;
        {SQLITE_INSERT} {SQLITE_ROW} WHERE a.id = new.id;
    END""",
    """CREATE TRIGGER applications_search_delete AFTER DELETE ON applications BEGIN
        DELETE FROM application_search WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER notes_search_insert AFTER INSERT ON notes BEGIN
        DELETE FROM application_search WHERE rowid = new.application_id;
        {SQLITE_INSERT} {SQLITE_ROW} WHERE a.id = new.application_id;
    END""",
    f"""CREATE TRIGGER notes_search_update AFTER UPDATE OF body ON notes BEGIN
        DELETE FROM application_search WHERE rowid = new.application_id;
        {SQLITE_INSERT} {SQLITE_ROW} WHERE a.id = new.application_id;
    END""",
    f"""CREATE TRIGGER notes_search_delete AFTER DELETE ON notes BEGIN
        DELETE FROM application_search WHERE rowid = old.application_id;
        {SQLITE_INSERT} {SQLITE_ROW} WHERE a.id = old.application_id;
    END""",
    f"""CREATE TRIGGER companies_search_update AFTER UPDATE OF name ON companies BEGIN
        DELETE FROM application_search
            WHERE rowid IN (SELECT id FROM applications WHERE company_id = new.id);
        {SQLITE_INSERT} {SQLITE_ROW} WHERE a.company_id = new.id;
    END""",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS companies_search_update",
    "DROP TRIGGER IF EXISTS notes_search_delete",
    "DROP TRIGGER IF EXISTS notes_search_update",
    "DROP TRIGGER IF EXISTS notes_search_insert",
    "DROP TRIGGER IF EXISTS applications_search_delete",
    "DROP TRIGGER IF EXISTS applications_search_update",
    "DROP TRIGGER IF EXISTS applications_search_insert",
    "DROP TABLE IF EXISTS application_search",
]
POSTGRES_UPGRADE = [
    """CREATE TABLE application_search (
        application_id INTEGER PRIMARY KEY
            REFERENCES applications (id) ON DELETE CASCADE,
        document TSVECTOR NOT NULL
    )""",
    "CREATE INDEX ix_application_search_document ON application_search USING GIN (document)",
    """CREATE FUNCTION application_search_refresh(app_id INTEGER) RETURNS VOID AS $$
        INSERT INTO application_search (application_id, document)
        SELECT a.id,
               setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
               || setweight(to_tsvector('english', coalesce(c.name, '')), 'A')
               || setweight(to_tsvector('english', coalesce(
                    (SELECT string_agg(n.body, ' ') FROM notes n
                     WHERE n.application_id = a.id), '')), 'B')
               || setweight(to_tsvector('english', coalesce(a.description, '')), 'C')
        FROM applications a LEFT JOIN companies c ON c.id = a.company_id
        WHERE a.id = app_id
        ON CONFLICT (application_id) DO UPDATE SET document = EXCLUDED.document;
    $$ LANGUAGE sql""",
    """CREATE FUNCTION application_search_on_application() RETURNS TRIGGER AS $$
    BEGIN
        PERFORM application_search_refresh(NEW.id);
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER applications_search
        AFTER INSERT OR UPDATE OF title, company_id, description ON applications
        FOR EACH ROW EXECUTE FUNCTION application_search_on_application()""",
    """CREATE FUNCTION application_search_on_note() RETURNS TRIGGER AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM application_search_refresh(OLD.application_id);
        ELSE
            PERFORM application_search_refresh(NEW.application_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER notes_search AFTER INSERT OR UPDATE OF body OR DELETE ON notes
        FOR EACH ROW EXECUTE FUNCTION application_search_on_note()""",
    """CREATE FUNCTION application_search_on_company() RETURNS TRIGGER AS $$
    BEGIN
        PERFORM application_search_refresh(a.id) FROM applications a
            WHERE a.company_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER companies_search AFTER UPDATE OF name ON companies
        FOR EACH ROW EXECUTE FUNCTION application_search_on_company()""",
]
POSTGRES_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS companies_search ON companies",
    "DROP TRIGGER IF EXISTS notes_search ON notes",
    "DROP TRIGGER IF EXISTS applications_search ON applications",
    "DROP FUNCTION IF EXISTS application_search_on_company()",
    "DROP FUNCTION IF EXISTS application_search_on_note()",
    "DROP FUNCTION IF EXISTS application_search_on_application()",
    "DROP FUNCTION IF EXISTS application_search_refresh(INTEGER)",
    "DROP TABLE IF EXISTS application_search",
]


def _full_text(statements_by_dialect: dict[str, list[str]]) -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in statements_by_dialect:
        raise NotImplementedError(f"full-text search is not set up for {dialect}")
    for statement in statements_by_dialect[dialect]:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("website", sa.String(length=2048), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("owner_id", "name_key", name="uq_companies_owner_id_name_key"),
    )
    op.create_index(
        "ix_companies_owner_id_updated_at_id", "companies", ["owner_id", "updated_at", "id"]
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("owner_id", "key", name="uq_idempotency_keys_owner_id_key"),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("calendar_token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("calendar_token", name=op.f("uq_users_calendar_token")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("workplace_type", sa.String(length=16), nullable=True),
        sa.Column("employment_type", sa.String(length=50), nullable=True),
        sa.Column("salary_min", sa.Integer(), nullable=True),
        sa.Column("salary_max", sa.Integer(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=True),
        sa.Column("salary_period", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("date_posted", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("excitement", sa.SmallInteger(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("match_score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_applications_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index("ix_applications_company_id", "applications", ["company_id"])
    op.create_index(
        "ix_applications_owner_id_applied_at", "applications", ["owner_id", "applied_at"]
    )
    op.create_index(
        "ix_applications_owner_id_created_at_id", "applications", ["owner_id", "created_at", "id"]
    )
    op.create_index(
        "ix_applications_owner_id_status_updated_at_id",
        "applications",
        ["owner_id", "status", "updated_at", "id"],
    )
    op.create_index(
        "ix_applications_owner_id_title_id", "applications", ["owner_id", "title", "id"]
    )
    op.create_index(
        "ix_applications_owner_id_updated_at_id", "applications", ["owner_id", "updated_at", "id"]
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("linkedin_url", sa.String(length=2048), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_contacts_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_company_id", "contacts", ["company_id"])
    op.create_index(
        "ix_contacts_owner_id_updated_at_id", "contacts", ["owner_id", "updated_at", "id"]
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_delegations_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_delegations_secret_hash")),
    )
    op.create_index("ix_delegations_owner_id_id", "delegations", ["owner_id", "id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"])
    op.create_index(op.f("ix_refresh_tokens_owner_id"), "refresh_tokens", ["owner_id"])
    op.create_table(
        "application_contacts",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_contacts_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_application_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "contact_id", name=op.f("pk_application_contacts")
        ),
    )
    op.create_index("ix_application_contacts_contact_id", "application_contacts", ["contact_id"])
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("meeting_url", sa.String(length=2048), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_interviews_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    op.create_index("ix_interviews_application_id", "interviews", ["application_id"])
    op.create_index(
        "ix_interviews_owner_id_scheduled_at_id", "interviews", ["owner_id", "scheduled_at", "id"]
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_notes_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index("ix_notes_application_id", "notes", ["application_id"])
    op.create_index("ix_notes_owner_id_updated_at_id", "notes", ["owner_id", "updated_at", "id"])
    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_status_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_events")),
    )
    op.create_index(
        "ix_status_events_application_id_at_id", "status_events", ["application_id", "at", "id"]
    )
    op.create_index("ix_status_events_owner_id_at", "status_events", ["owner_id", "at"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_created", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_tasks_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("ix_tasks_application_id", "tasks", ["application_id"])
    op.create_index("ix_tasks_owner_id_due_at_id", "tasks", ["owner_id", "due_at", "id"])
    op.create_index("ix_tasks_owner_id_updated_at_id", "tasks", ["owner_id", "updated_at", "id"])
    op.create_table(
        "interview_contacts",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_interview_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_contacts_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interview_id", "contact_id", name=op.f("pk_interview_contacts")),
    )
    op.create_index("ix_interview_contacts_contact_id", "interview_contacts", ["contact_id"])

    _full_text({"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRES_UPGRADE})


def downgrade() -> None:
    _full_text({"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRES_DOWNGRADE})
    op.drop_index("ix_interview_contacts_contact_id", table_name="interview_contacts")
    op.drop_table("interview_contacts")
    op.drop_index("ix_tasks_owner_id_updated_at_id", table_name="tasks")
    op.drop_index("ix_tasks_owner_id_due_at_id", table_name="tasks")
    op.drop_index("ix_tasks_application_id", table_name="tasks")
    op.drop_table("tasks")
    op.drop_index("ix_status_events_owner_id_at", table_name="status_events")
    op.drop_index("ix_status_events_application_id_at_id", table_name="status_events")
    op.drop_table("status_events")
    op.drop_index("ix_notes_owner_id_updated_at_id", table_name="notes")
    op.drop_index("ix_notes_application_id", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_interviews_owner_id_scheduled_at_id", table_name="interviews")
    op.drop_index("ix_interviews_application_id", table_name="interviews")
    op.drop_table("interviews")
    op.drop_index("ix_application_contacts_contact_id", table_name="application_contacts")
    op.drop_table("application_contacts")
    op.drop_index(op.f("ix_refresh_tokens_owner_id"), table_name="refresh_tokens")
    op.drop_index(op.f("ix_refresh_tokens_family_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("ix_delegations_owner_id_id", table_name="delegations")
    op.drop_table("delegations")
    op.drop_index("ix_contacts_owner_id_updated_at_id", table_name="contacts")
    op.drop_index("ix_contacts_company_id", table_name="contacts")
    op.drop_table("contacts")
    op.drop_index("ix_applications_owner_id_updated_at_id", table_name="applications")
    op.drop_index("ix_applications_owner_id_title_id", table_name="applications")
    op.drop_index("ix_applications_owner_id_status_updated_at_id", table_name="applications")
    op.drop_index("ix_applications_owner_id_created_at_id", table_name="applications")
    op.drop_index("ix_applications_owner_id_applied_at", table_name="applications")
    op.drop_index("ix_applications_company_id", table_name="applications")
    op.drop_table("applications")
    op.drop_table("users")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_companies_owner_id_updated_at_id", table_name="companies")
    op.drop_table("companies")
