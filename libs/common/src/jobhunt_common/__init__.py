"""Infrastructure shared by every jobhunt service. No domain code lives here."""

from jobhunt_common.app import create_service_app
from jobhunt_common.auth import CurrentUser, Principal, TokenSigner, TokenVerifier
from jobhunt_common.concurrency import check_if_match, etag_for
from jobhunt_common.db import Database, SessionDep, UTCDateTime, metadata, utcnow
from jobhunt_common.errors import JobhuntError
from jobhunt_common.pagination import Page, PageParamsDep
from jobhunt_common.settings import ServiceSettings

__all__ = [
    "CurrentUser",
    "Database",
    "JobhuntError",
    "Page",
    "PageParamsDep",
    "Principal",
    "ServiceSettings",
    "SessionDep",
    "TokenSigner",
    "TokenVerifier",
    "UTCDateTime",
    "check_if_match",
    "create_service_app",
    "etag_for",
    "metadata",
    "utcnow",
]
