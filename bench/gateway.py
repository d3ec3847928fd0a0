"""Gateway overhead: one upstream endpoint, direct vs through the gateway vs through nginx.

    uv run python bench/gateway.py [--duration 10] [--latency-duration 5]

Every server is a real process. The gateway runs as deployed (``python -m gateway``)
with a verified bearer token, CORS and rate limiting on (limits too high to trigger).
Figures: requests/s at 32 connections and p50/p99 at 1 connection, with the gateway's
and nginx's ratios to direct. The load comes from wrk when installed, else from a
separate Python process, which itself tops out far lower than wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CONNECTIONS = 32
ORIGIN = "http://localhost:3000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_upstream(port: int) -> None:
    """The measured endpoint: one small FastAPI JSON route, as a service would answer."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/tracker/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


BOOST = {"niceness": 0}


def _raise_priority() -> None:
    if BOOST["niceness"]:
        os.nice(BOOST["niceness"])


@contextmanager
def process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_raise_priority,
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def wait_until_up(url: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=headers).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream tracker {{ server 127.0.0.1:{upstream}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location /api/ {{
            proxy_pass http://tracker/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_us: float = 0.0  # server CPU (user + system) per request, all proxy hops summed


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(text)
    return float(match[1]) * _UNITS[match[2]]


def run_wrk(url: str, headers: dict[str, str], connections: int, seconds: float) -> Result:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, check=True, preexec_fn=_raise_priority
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors[0]))
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    return Result(rps, p50, p99, errors, requests)


def generate_load(url: str, headers: dict[str, str], connections: int, seconds: float) -> None:
    """The fallback load generator (its own process): keep-alive GETs on raw asyncio streams."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{extra}\r\n".encode()

    async def main() -> None:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            while (started := time.perf_counter()) < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
                await reader.readexactly(length)
                if not head.startswith(b"HTTP/1.1 200"):
                    errors += 1
                latencies.append(time.perf_counter() - started)
            writer.close()

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
        latencies.sort()
        result = {
            "rps": len(latencies) / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            "errors": errors,
            "requests": len(latencies),
        }
        print(json.dumps(result))

    asyncio.run(main())


def run_python_load(url: str, headers: dict[str, str], connections: int, seconds: float) -> Result:
    args = [sys.executable, __file__, "--generate-load", url, "--connections", str(connections)]
    args += ["--duration", str(seconds), "--headers", json.dumps(headers)]
    out = subprocess.run(
        args, capture_output=True, text=True, check=True, preexec_fn=_raise_priority
    ).stdout
    return Result(**json.loads(out.strip().splitlines()[-1]))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of processes and their direct children (nginx workers)."""
    ticks = 0
    seen: set[int] = set()
    pending = list(pids)
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
        pending.extend(int(child) for child in children)
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, headers: dict[str, str], args: argparse.Namespace, pids: list[int]
) -> tuple[Result, Result]:
    load = run_wrk if shutil.which("wrk") else run_python_load
    load(url, headers, CONNECTIONS, 1)  # warm up pools and caches
    cpu_before = cpu_seconds(pids)
    throughput = load(url, headers, CONNECTIONS, args.duration)
    throughput.cpu_us = (cpu_seconds(pids) - cpu_before) / throughput.requests * 1e6
    latency = load(url, headers, 1, args.latency_duration)
    return throughput, latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10, help="seconds at 32 connections")
    parser.add_argument("--latency-duration", type=int, default=5, help="seconds at 1 connection")
    parser.add_argument(
        "--boost",
        action="store_true",
        help="run servers and load at nice -10 (root only) so other work on a shared"
        " machine distorts the comparison less",
    )
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--generate-load", help=argparse.SUPPRESS)
    parser.add_argument("--connections", type=int, default=CONNECTIONS, help=argparse.SUPPRESS)
    parser.add_argument("--headers", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
        return
    if args.generate_load:
        generate_load(args.generate_load, json.loads(args.headers), args.connections, args.duration)
        return

    from jobhunt_common.auth import TokenSigner, generate_keypair, load_private_key

    if args.boost:
        if os.geteuid() != 0:
            raise SystemExit("--boost needs root (it lowers niceness)")
        BOOST["niceness"] = -10

    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    private_key, public_key = generate_keypair(workdir / "keys")
    token = TokenSigner(load_private_key(private_key)).sign("bench-user")
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    upstream_port, gateway_port, nginx_port = free_port(), free_port(), free_port()
    gateway_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JOBHUNT_")},
        "JOBHUNT_PORT": str(gateway_port),
        "JOBHUNT_TRACKER_URL": f"http://127.0.0.1:{upstream_port}",
        "JOBHUNT_DATA_DIR": str(workdir),
        "JOBHUNT_JWT_PUBLIC_KEY_FILE": str(public_key),
        "JOBHUNT_CORS_ALLOW_ORIGINS": ORIGIN,
        "JOBHUNT_RATE_LIMITS": json.dumps({"default": {"quota": 10**9, "window": 1}}),
    }
    load_name = (
        "wrk" if shutil.which("wrk") else "a Python load process (install wrk for sharper figures)"
    )
    print(f"load generator: {load_name}; {os.cpu_count()} CPUs shared by load and servers")
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average before: {load_average}; priority boost: {'on' if args.boost else 'off'}")

    results: dict[str, tuple[Result, Result]] = {}
    with (
        process([sys.executable, __file__, "--serve-upstream", str(upstream_port)]) as upstream,
        process([sys.executable, "-m", "gateway"], env=gateway_env) as gateway,
    ):
        direct_url = f"http://127.0.0.1:{upstream_port}/tracker/ping"
        gateway_url = f"http://127.0.0.1:{gateway_port}/api/tracker/ping"
        wait_until_up(direct_url, headers)
        wait_until_up(gateway_url, headers)
        checked = httpx.get(gateway_url, headers=headers)
        assert "ratelimit" in checked.headers, "rate limiting is not on"
        assert checked.headers.get("access-control-allow-origin") == ORIGIN, "CORS is not on"
        results["direct"] = measure(direct_url, headers, args, [upstream.pid])
        results["gateway"] = measure(gateway_url, headers, args, [gateway.pid, upstream.pid])
        nginx = shutil.which("nginx")
        if nginx is None:
            print("nginx: skipped (not installed; `apt-get install -y nginx` to compare)")
        else:
            prefix = workdir / "nginx"
            prefix.mkdir()
            conf = prefix / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(prefix=prefix, upstream=upstream_port, port=nginx_port)
            )
            nginx_url = f"http://127.0.0.1:{nginx_port}/api/tracker/ping"
            with process([nginx, "-c", str(conf), "-p", str(prefix)]) as nginx_master:
                wait_until_up(nginx_url, headers)
                results["nginx"] = measure(
                    nginx_url, headers, args, [nginx_master.pid, upstream.pid]
                )
    shutil.rmtree(workdir, ignore_errors=True)
    report(results)


def report(results: dict[str, tuple[Result, Result]]) -> None:
    """One row per target; cpu/req is every server process on the path (not the load)."""
    direct_rps, direct_latency = results["direct"][0].rps, results["direct"][1]
    print(
        f"{'':8} {'req/s c32':>10} {'x direct':>9} {'p50 c1':>9} {'p99 c1':>9}"
        f" {'+p50':>8} {'+p99':>8} {'p50 x':>6} {'p99 x':>6} {'cpu/req':>9} {'errors':>6}"
    )
    for name, (throughput, latency) in results.items():
        print(
            f"{name:8} {throughput.rps:>10.0f} {throughput.rps / direct_rps:>8.2f}x"
            f" {latency.p50_ms:>7.3f}ms {latency.p99_ms:>7.3f}ms"
            f" {latency.p50_ms - direct_latency.p50_ms:>+6.3f}ms"
            f" {latency.p99_ms - direct_latency.p99_ms:>+6.3f}ms"
            f" {latency.p50_ms / direct_latency.p50_ms:>5.2f}x"
            f" {latency.p99_ms / direct_latency.p99_ms:>5.2f}x"
            f" {throughput.cpu_us:>7.0f}us"
            f" {throughput.errors + latency.errors:>6}"
        )
    gateway_rps, gateway_latency = results["gateway"][0].rps, results["gateway"][1]
    print(
        f"targets: gateway >= 0.5x direct at 32 connections: {gateway_rps / direct_rps:.2f}x"
        f" ({'met' if gateway_rps >= 0.5 * direct_rps else 'NOT met'}); added p50 <= 0.5 ms"
        f" at 1 connection: {gateway_latency.p50_ms - direct_latency.p50_ms:+.3f} ms"
        f" ({'met' if gateway_latency.p50_ms - direct_latency.p50_ms <= 0.5 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
