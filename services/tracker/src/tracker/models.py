"""Every table of the tracker, imported in one place (for Alembic and for other packages)."""

from tracker.accounts.models import Delegation, RefreshToken, User
from tracker.applications.models import Application, StatusEvent
from tracker.companies.models import Company
from tracker.contacts.models import Contact, application_contacts
from tracker.idempotency import IdempotencyKey
from tracker.interviews.models import Interview, interview_contacts
from tracker.notes.models import Note
from tracker.tasks.models import Task

__all__ = [
    "Application",
    "Company",
    "Contact",
    "Delegation",
    "IdempotencyKey",
    "Interview",
    "Note",
    "RefreshToken",
    "StatusEvent",
    "Task",
    "User",
    "application_contacts",
    "interview_contacts",
]
