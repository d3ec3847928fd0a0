"""A local fake of the Google Sheets v4 REST API (the subset gspread uses).

For tests and for trying sync offline.

Run it with ``python -m sheets_sync.fake_google`` (or ``jobhunt dev fake-sheets``), point
``SHEETS_GOOGLE_SHEETS_URL`` / ``SHEETS_GOOGLE_DRIVE_URL`` / ``SHEETS_GOOGLE_TOKEN_URL`` at
it, and create spreadsheets, inject faults and read request counters under ``/_fake/``.
"""

from sheets_sync.fake_google.app import FakeGoogle, FaultPlan
from sheets_sync.fake_google.keys import service_account_key
from sheets_sync.fake_google.server import BackgroundServer, serve

__all__ = ["BackgroundServer", "FakeGoogle", "FaultPlan", "serve", "service_account_key"]
