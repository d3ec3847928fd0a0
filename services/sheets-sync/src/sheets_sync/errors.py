"""Problem types of sheets-sync, each a 4xx the user can act on.

Unprocessable (422)
├── BadServiceAccountKey       the uploaded key's JSON is not a service-account key
├── SpreadsheetNotFound        no such spreadsheet (or id/URL mistyped)
├── SpreadsheetNotShared       the sheet is not shared with the service account
├── SheetUnusable              too wide, header damaged, worksheet missing
Conflict (409)
└── SyncAlreadyRunning
"""

from __future__ import annotations

from jobhunt_common.errors import Conflict, Unprocessable


class BadServiceAccountKey(Unprocessable):
    problem_type = "bad-service-account-key"


class SpreadsheetNotFound(Unprocessable):
    problem_type = "spreadsheet-not-found"


class SpreadsheetNotShared(Unprocessable):
    problem_type = "spreadsheet-not-shared"


class SheetUnusable(Unprocessable):
    problem_type = "sheet-unusable"


class SyncAlreadyRunning(Conflict):
    problem_type = "sync-already-running"
