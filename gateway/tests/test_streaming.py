"""50 MB both ways through a real ``python -m gateway`` process, whose peak memory is checked."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from gateway_harness import RunningServer, gateway_subprocess, wait_gateway_ready
from gateway_upstream_app import PATTERN, pattern_chunks

SIZE = 50 * 1024 * 1024
# Far below the 50 MB moved: the body must never sit whole in the gateway.
MAX_PEAK_GROWTH = 24 * 1024 * 1024


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def expected_digest() -> str:
    digest = hashlib.sha256()
    for length in pattern_chunks(SIZE):
        digest.update(PATTERN[:length])
    return digest.hexdigest()


@pytest.fixture
def gateway_process(
    upstream: RunningServer, tmp_path: Path, jwt_keys: tuple[Path, Path]
) -> Iterator[tuple[str, int]]:
    with gateway_subprocess(
        {
            "JOBHUNT_TRACKER_URL": upstream.url,
            "JOBHUNT_DATA_DIR": str(tmp_path),
            "JOBHUNT_JWT_PUBLIC_KEY_FILE": str(jwt_keys[1]),
        }
    ) as running:
        yield running


async def test_fifty_megabytes_stream_both_ways_without_being_held(
    gateway_process: tuple[str, int],
) -> None:
    url, pid = gateway_process
    await wait_gateway_ready(url)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get("/api/tracker/echo")
        baseline = peak_rss(pid)

        async def upload() -> AsyncIterator[bytes]:
            for length in pattern_chunks(SIZE):
                yield PATTERN[:length]

        uploaded = await client.post("/api/tracker/upload/echo", content=upload())
        assert uploaded.status_code == 200
        assert uploaded.json()["body_length"] == SIZE
        assert uploaded.json()["body_sha256"] == expected_digest()

        digest = hashlib.sha256()
        received = 0
        async with client.stream("GET", f"/api/tracker/download?size={SIZE}") as response:
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                digest.update(chunk)
                received += len(chunk)
        assert received == SIZE
        assert digest.hexdigest() == expected_digest()

    growth = peak_rss(pid) - baseline
    assert growth < MAX_PEAK_GROWTH, f"gateway peak memory grew by {growth} bytes"
