"""One pass of sheets-sync's scheduler: run every connection whose scheduled sync is due.

Run by the prod `sheets-sync-due` CronJob in the sheets-sync image (mounted from a
ConfigMap) with the service's own environment, and by deploy/tests against a real
database. Each due connection is claimed (next_sync_at moved on) before it runs and
each run holds the connection's lease, so an overlapping pass or a manual sync never
runs the same connection twice at once. Prints the ids that ran.
"""

import asyncio
import json

from jobhunt_common.db import Database
from sheets_sync.config import Settings
from sheets_sync.crypto import SecretBox
from sheets_sync.scheduler import run_due_syncs
from sheets_sync.sync import SyncServices


async def run_once(settings: Settings) -> list[int]:
    """Run the due syncs once and return the connection ids that ran."""
    key_path = settings.encryption_key_path
    if not key_path.is_file():
        raise SystemExit(f"SHEETS_ENCRYPTION_KEY_FILE={key_path} is not a readable file")
    database = Database(settings.sqlalchemy_url)
    try:
        box = SecretBox(key_path.read_bytes().strip())
        return await run_due_syncs(SyncServices(settings, database, box))
    finally:
        await database.dispose()


if __name__ == "__main__":
    print(json.dumps({"ran": asyncio.run(run_once(Settings()))}))
