"""Benchmark: tracker latencies with 100,000 applications for one user and 1,000 for another.

Seeds a real SQLite file (schema from the real migrations) straight through SQLAlchemy
core, then measures through the real ASGI app in-process (httpx ``ASGITransport``: no
sockets, so the figures are the app + database, not the network): p50/p99 of the default
list page, a filtered page, a text search, a single read, creates per second and a
10,000-row CSV import (plus the funnel and the full exports of the big account), and the
ratio of the list p50 for the big user to the small one (target <= 1.5: lists must scale
with indexes, not table size). The SQL each list-type request ran is shown with SQLite's
EXPLAIN QUERY PLAN.

    uv run python bench/tracker.py                 # 100,000 + 1,000 rows
    uv run python bench/tracker.py --rows 20000    # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, event, insert

ROOT = Path(__file__).resolve().parents[1]
# This file shares its name with the package it measures: keep bench/ off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from jobhunt_common.auth import TokenSigner, generate_keypair, load_private_key  # noqa: E402
from jobhunt_common.migrations import upgrade  # noqa: E402
from jobhunt_common.testing import app_client  # noqa: E402
from tracker.applications.models import Application, StatusEvent  # noqa: E402
from tracker.companies.models import Company, company_name_key  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.db import MIGRATIONS_DIR  # noqa: E402
from tracker.main import create_app  # noqa: E402

STATUSES = ["saved", "applied", "screening", "interviewing", "offer", "rejected", "withdrawn"]
WEIGHTS = [20, 35, 12, 10, 3, 15, 5]
SOURCES = ["linkedin", "indeed", "referral", "company site", "glassdoor", "wellfound"]
TAGS = ["python", "remote", "backend", "senior", "startup", "fintech", "data", "platform"]
ROLES = ["Backend", "Platform", "Data", "Frontend", "Full-stack", "ML", "Site Reliability"]
LEVELS = ["Junior", "", "Senior", "Staff", "Principal", "Lead"]
_WORD_TEXT = """python postgres kubernetes terraform aws gcp kafka spark airflow react
typescript rust golang django fastapi celery redis graphql grpc docker linux security
payments billing search ranking analytics streaming latency scale"""
WORDS = _WORD_TEXT.split()
RARE = [f"zeta{n}" for n in range(200)]  # each word on ~0.5% of descriptions
SEARCH_WORD = "zeta7"
BENCH_STARTED = time.perf_counter()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def seed(db_path: Path, owner_id: str, rows: int, rng: random.Random) -> list[int]:
    """Companies, applications and their status events for one owner; the new ids."""
    engine = create_engine(f"sqlite:///{db_path}")
    now = datetime.now(UTC)
    company_count = max(10, rows // 50)
    ids: list[int] = []
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        names = [f"Company {owner_id[:4]} {n}" for n in range(company_count)]
        company_ids = list(
            connection.execute(
                insert(Company).returning(Company.id, sort_by_parameter_order=True),
                [
                    {"owner_id": owner_id, "name": name, "name_key": company_name_key(name),
                     "created_at": now, "updated_at": now, "version": 1}
                    for name in names
                ],
            ).scalars()
        )  # fmt: skip
        for start in range(0, rows, 5000):
            batch = []
            for _ in range(min(5000, rows - start)):
                created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
                changed = created + timedelta(minutes=rng.randrange(60 * 24 * 30))
                status = rng.choices(STATUSES, WEIGHTS)[0]
                sent = status not in {"saved", "withdrawn"}
                batch.append(
                    {
                        "owner_id": owner_id,
                        "title": f"{rng.choice(LEVELS)} {rng.choice(ROLES)} Engineer".strip(),
                        "company_id": rng.choice(company_ids),
                        "location": rng.choice(["Berlin", "Remote", "London", "NYC", None]),
                        "source": rng.choice(SOURCES),
                        "description": " ".join([*rng.choices(WORDS, k=20), rng.choice(RARE)]),
                        "status": status,
                        "status_changed_at": changed,
                        "applied_at": created if sent else None,
                        "tags": rng.sample(TAGS, k=rng.randrange(0, 3)),
                        "archived": rng.random() < 0.05,
                        "created_at": created,
                        "updated_at": changed,
                        "version": 1,
                    }
                )
            new_ids = list(
                connection.execute(
                    insert(Application).returning(Application.id, sort_by_parameter_order=True),
                    batch,
                ).scalars()
            )
            ids.extend(new_ids)
            events = []
            for application_id, row in zip(new_ids, batch, strict=True):
                if row["applied_at"] is not None and row["status"] != "applied":
                    events.append((application_id, None, "applied", row["created_at"]))
                    events.append(
                        (application_id, "applied", row["status"], row["status_changed_at"])
                    )
                else:
                    events.append((application_id, None, row["status"], row["status_changed_at"]))
            connection.execute(
                insert(StatusEvent),
                [
                    {"application_id": a, "owner_id": owner_id, "from_status": f,
                     "to_status": t, "at": at, "source": "import"}
                    for a, f, t, at in events
                ],
            )  # fmt: skip
    engine.dispose()
    return ids


def import_csv(rows: int, rng: random.Random) -> bytes:
    lines = ["title,company,status,source,location,salary_min,salary_max,applied_at,tags"]
    for n in range(rows):
        status = rng.choices(STATUSES, WEIGHTS)[0]
        applied = "" if status == "saved" else f"2024-{rng.randrange(1, 13):02d}-15T10:00:00Z"
        lines.append(
            f"{rng.choice(ROLES)} Engineer {n},Imported {n % 700},{status},"
            f"{rng.choice(SOURCES)},Berlin,{60000 + n % 50 * 1000},{90000 + n % 50 * 1000},"
            f'{applied},"python; {rng.choice(TAGS)}"'
        )
    return ("\n".join(lines) + "\n").encode()


class Recorder:
    """Keeps the last SQL statement the app ran, for EXPLAIN QUERY PLAN."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.statements.append((statement, params))


async def timed(
    label: str, count: int, call: Callable[[int], Awaitable[httpx.Response]]
) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        response = await call(n)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"{label}: HTTP {response.status_code} {response.text[:300]}")
    return samples


def explain(db_path: Path, statement: str, params: Any) -> list[str]:
    connection = sqlite3.connect(db_path)
    try:
        plan = connection.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
    finally:
        connection.close()
    return [row[-1] for row in plan]


def prepare(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Keys, the migrated database file and the seeded rows (all before the event loop)."""
    rng = random.Random(7)
    private_key, public_key = generate_keypair(workdir / "keys")
    db_path = workdir / "tracker.db"
    upgrade(MIGRATIONS_DIR, f"sqlite:///{db_path}")
    big, small = uuid.uuid4().hex, uuid.uuid4().hex
    started = time.perf_counter()
    big_ids = seed(db_path, big, args.rows, rng)
    seed(db_path, small, args.small_rows, rng)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average before seeding: {load}")
    print(
        f"seeded {args.rows:,} + {args.small_rows:,} applications (with status events) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return {
        "rng": rng,
        "keys": (private_key, public_key),
        "db_path": db_path,
        "big": big,
        "small": small,
        "big_ids": big_ids,
    }


async def measure(args: argparse.Namespace, workdir: Path, seeded: dict[str, Any]) -> None:
    rng: random.Random = seeded["rng"]
    private_key, public_key = seeded["keys"]
    db_path: Path = seeded["db_path"]
    big, small, big_ids = seeded["big"], seeded["small"], seeded["big_ids"]
    importer = uuid.uuid4().hex
    signer = TokenSigner(load_private_key(private_key))

    settings = Settings(
        data_dir=workdir,
        database_url=f"sqlite:///{db_path}",
        jwt_public_key_file=public_key,
        jwt_private_key_file=private_key,
        log_level="WARNING",
        max_body_bytes=50 * 1024 * 1024,
    )
    app = create_app(settings)
    rows: list[tuple[str, list[float], str]] = []
    plans: dict[str, list[str]] = {}
    async with app_client(app) as client:
        recorder = Recorder()
        event.listen(app.state.database.engine.sync_engine, "before_cursor_execute", recorder)

        def headers(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {signer.sign(user)}"}

        big_headers, small_headers = headers(big), headers(small)
        n = args.requests
        url = "/tracker/applications"

        async def run(label: str, count: int, call: Callable[[int], Awaitable[httpx.Response]],
                      note: str = "", plan: bool = False) -> list[float]:  # fmt: skip
            await call(0)  # warm caches and the connection pool
            recorder.statements.clear()
            samples = await timed(label, count, call)
            if plan:
                select_sql = [s for s in recorder.statements if s[0].lstrip().startswith("SELECT")]
                plans[label] = explain(db_path, *select_sql[-1])
            rows.append((label, samples, note))
            return samples

        # The two list lines alternate request by request, so drift in the machine's load
        # (other processes) falls on both sides of the ratio alike.
        list_big: list[float] = []
        list_small: list[float] = []
        for list_headers, label in ((big_headers, args.rows), (small_headers, args.small_rows)):
            await client.get(url, headers=list_headers)
            recorder.statements.clear()
            await client.get(url, headers=list_headers)
            plans[f"list, default page ({label:,} rows)"] = explain(
                db_path, *[s for s in recorder.statements if s[0].lstrip().startswith("SELECT")][-1]
            )
        for _ in range(n):
            for list_headers, samples in ((big_headers, list_big), (small_headers, list_small)):
                started = time.perf_counter()
                response = await client.get(url, headers=list_headers)
                samples.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"list: HTTP {response.status_code} {response.text[:300]}")
        rows.append((f"list, default page ({args.rows:,} rows)", list_big, "alternating"))
        rows.append((f"list, default page ({args.small_rows:,} rows)", list_small, "alternating"))
        await run(
            "list, filtered (status + source)",
            n,
            lambda _: client.get(
                url, params={"status": "interviewing", "source": "referral"}, headers=big_headers
            ),
            plan=True,
        )
        await run(
            f"text search q={SEARCH_WORD} (~0.5% match)",
            n,
            lambda _: client.get(url, params={"q": SEARCH_WORD}, headers=big_headers),
            plan=True,
        )
        await run(
            "single read",
            n,
            lambda i: client.get(f"{url}/{big_ids[i * 7919 % len(big_ids)]}", headers=big_headers),
        )
        creates = await run(
            "create (POST)",
            n,
            lambda i: client.post(
                url,
                json={"title": f"Bench {i}", "company": f"Bench Co {i % 20}", "status": "applied"},
                headers=big_headers,
            ),
        )
        csv_payload = import_csv(args.import_rows, rng)
        imports = []
        for run_number in range(args.import_runs):
            user_headers = headers(f"{importer[:-2]}{run_number:02d}")
            started = time.perf_counter()
            response = await client.post(
                "/tracker/import",
                content=csv_payload,
                headers={**user_headers, "Content-Type": "text/csv"},
            )
            imports.append((time.perf_counter() - started) * 1000)
            created = response.json().get("created", {}).get("applications")
            if response.status_code != 200 or created != args.import_rows:
                raise SystemExit(f"import failed: {response.status_code} {response.text[:300]}")
        runs = f"{args.import_runs} run" + ("s" if args.import_runs != 1 else "")
        rows.append((f"CSV import, {args.import_rows:,} rows", imports, runs))
        # Whole-account reads: the funnel and the streamed exports of the big user.
        started = time.perf_counter()
        funnel = await client.get("/tracker/analytics/funnel", headers=big_headers)
        if funnel.status_code != 200:
            raise SystemExit(f"funnel failed: {funnel.status_code} {funnel.text[:300]}")
        funnel_ms = (time.perf_counter() - started) * 1000
        rows.append((f"analytics funnel ({args.rows:,} rows)", [funnel_ms], "1 run"))
        for export_format in ("csv", "json"):
            params = {"format": export_format}
            started = time.perf_counter()
            response = await client.get("/tracker/export", params=params, headers=big_headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"export failed: {response.status_code} {response.text[:300]}")
            size = f"1 run, {len(response.content) / 1e6:.1f} MB"
            rows.append((f"export {export_format} ({args.rows:,} rows)", [elapsed], size))

    print()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} CPUs, load average now {load}; this process used "
        f"{time.process_time():.0f} s of CPU in {time.perf_counter() - BENCH_STARTED:.0f} s"
    )
    print("(a loaded machine inflates every wall-clock figure below)")
    print("Measured in-process through httpx.ASGITransport (no sockets), sequential requests,")
    print(f"{n} requests per line after one warm-up; SQLite file, WAL.")
    print()
    print(f"{'what':<44} {'p50 ms':>9} {'p99 ms':>9}  note")
    print("-" * 80)
    for label, samples, note in rows:
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        print(f"{label:<44} {p50:>9.2f} {p99:>9.2f}  {note}")
    print("-" * 80)
    creates_per_second = len(creates) / (sum(creates) / 1000)
    import_rate = args.import_rows / (statistics.median(imports) / 1000)
    ratio = statistics.median(list_big) / statistics.median(list_small)
    print(f"creates per second (sequential):            {creates_per_second:9.0f}")
    print(f"CSV import rows per second (median run):    {import_rate:9.0f}")
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(
        f"list p50 ratio {args.rows:,} / {args.small_rows:,} rows:       {ratio:9.2f}  "
        f"({verdict} the <= 1.5 target)"
    )
    print()
    print("EXPLAIN QUERY PLAN of the last SELECT each list-type request ran:")
    for label, plan in plans.items():
        print(f"  {label}:")
        for line in plan:
            print(f"      {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="the big user's applications")
    parser.add_argument("--small-rows", type=int, default=1_000, help="the small user's")
    parser.add_argument("--requests", type=int, default=100, help="requests per measured line")
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--import-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jobhunt-bench-") as workdir:
        seeded = prepare(args, Path(workdir))
        asyncio.run(measure(args, Path(workdir), seeded))


if __name__ == "__main__":
    main()
