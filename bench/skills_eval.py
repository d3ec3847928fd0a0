"""Keyword extraction on SkillSpan dev: accuracy against KNOWLEDGE spans, and speed.

Gold per posting (all lines of one ``idx`` and ``source``): the set of lower-cased
KNOWLEDGE spans. Predicted: the lower-cased ``term``s the analyzer extracts. Exact and
partial (one string contains the other) document-level precision, recall and F1,
micro-averaged over postings; YAKE top-20 in the same run as the baseline. The first
jobhunt line counts every term the API returns; the second leaves out the soft skills
(group ``soft``), which SkillSpan annotates as SKILL, never as KNOWLEDGE (on train 4 of
219 extracted soft skills are knowledge spans): an explicit second view, not a filter.
Speed: postings/s in this process (one core), for the dev postings and a 650-word
posting, and through ``POST /keywords/extract/batch`` of a real uvicorn server
(a separate process on a free port). Only train was used to build the taxonomy.

With the extraction compiled (``keyword_analyzer.native``), the same in-process timing of
the Python sources follows, in a second process with ``KEYWORDS_PURE_PYTHON=1``, for the
ratio.

Run: ``uv run --group bench python bench/skills_eval.py [--quick]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from jobhunt_common.auth import TokenSigner, generate_keypair, load_private_key
from jobhunt_common.migrations import upgrade
from keyword_analyzer import native
from keyword_analyzer.db import MIGRATIONS_DIR
from keyword_analyzer.extraction import Extractor, default_taxonomy
from keyword_analyzer.extraction.tagger import default_tagger

SKILLSPAN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "skillspan"
HTTP_BATCH = 50


def load_postings(path: Path) -> list[tuple[str, set[str]]]:
    lines: dict[tuple[str, int], list[str]] = defaultdict(list)
    gold: dict[tuple[str, int], set[str]] = defaultdict(set)
    for raw in path.read_text("utf-8").splitlines():
        record = json.loads(raw)
        key = (record["source"], record["idx"])
        lines[key].append(" ".join(record["tokens"]))
        span: list[str] = []
        pairs = [*zip(record["tokens"], record["tags_knowledge"], strict=True), ("", "O")]
        for token, tag in pairs:
            if tag == "I" and span:
                span.append(token)
                continue
            if span:
                gold[key].add(" ".join(span).lower())
            span = [token] if tag == "B" else []
    return [("\n".join(lines[key]), gold[key]) for key in lines]


def scores(predictions: Iterable[set[str]], golds: Iterable[set[str]]) -> dict[str, float]:
    tp = predicted = total_gold = 0
    partial_pred = partial_gold = 0
    for pred, gold in zip(predictions, golds, strict=True):
        tp += len(pred & gold)
        predicted += len(pred)
        total_gold += len(gold)
        partial_pred += sum(any(p in g or g in p for g in gold) for p in pred)
        partial_gold += sum(any(p in g or g in p for p in pred) for g in gold)

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    ep, er = tp / max(predicted, 1), tp / max(total_gold, 1)
    pp, pr = partial_pred / max(predicted, 1), partial_gold / max(total_gold, 1)
    return {"P": ep, "R": er, "F1": f1(ep, er), "pP": pp, "pR": pr, "pF1": f1(pp, pr)}


def rate(
    function: Callable[[str], object], texts: list[str], min_seconds: float
) -> tuple[float, float]:
    """Postings per CPU second of this process and per wall second (the machine is shared:
    wall time is noisy, CPU time less so)."""
    done, started, wall_started = 0, time.process_time(), time.perf_counter()
    while True:
        for text in texts:
            function(text)
        done += len(texts)
        elapsed = time.process_time() - started
        if elapsed >= min_seconds:
            return done / elapsed, done / (time.perf_counter() - wall_started)


def first_650_words(texts: list[str]) -> str:
    """The bench's 650-word posting: real lines of the postings, in order, up to 650 words."""
    lines_650: list[str] = []
    for line in "\n".join(texts).split("\n"):
        if sum(len(kept.split()) for kept in lines_650) >= 650:
            break
        lines_650.append(line)
    return "\n".join(lines_650)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux ``/proc``), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http_rate(texts: list[str], min_seconds: float) -> tuple[float, float | None]:
    """Postings per wall second and per server CPU second through the batch endpoint of a
    uvicorn server in its own process."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        private_key, _public_key = generate_keypair(data / "keys")
        database = f"sqlite:///{data / 'keyword_analyzer.db'}"
        upgrade(MIGRATIONS_DIR, database)
        port = free_port()
        env = {
            **os.environ,
            "JOBHUNT_DATA_DIR": str(data),
            "KEYWORDS_DATABASE_URL": database,
            "JOBHUNT_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "keyword_analyzer.main:create_app",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        try:
            token = TokenSigner(load_private_key(private_key)).sign("bench")
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                for _ in range(200):
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.05)
                batches = [texts[i : i + HTTP_BATCH] for i in range(0, len(texts), HTTP_BATCH)]
                done, started = 0, time.perf_counter()
                server_cpu = cpu_seconds(server.pid)
                while True:
                    for batch in batches:
                        body = {"postings": [{"text": t} for t in batch]}
                        response = client.post(
                            "/keywords/extract/batch", json=body, headers=headers
                        )
                        response.raise_for_status()
                        done += len(batch)
                    elapsed = time.perf_counter() - started
                    if elapsed >= min_seconds:
                        used = cpu_seconds(server.pid)
                        per_cpu = (
                            done / (used - server_cpu)
                            if used is not None and server_cpu is not None and used > server_cpu
                            else None
                        )
                        return done / elapsed, per_cpu
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description="SkillSpan dev accuracy and speed")
    parser.add_argument("--quick", action="store_true", help="shorter timing runs")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP server run")
    parser.add_argument(
        "--no-sources", action="store_true", help="skip timing the Python sources too"
    )
    parser.add_argument("--speed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 3.0

    postings = load_postings(SKILLSPAN / "dev.json")
    texts = [text for text, _ in postings]
    golds = [gold for _, gold in postings]
    started = time.perf_counter()
    extractor = Extractor(default_taxonomy(), tagger=default_tagger())
    load_seconds = time.perf_counter() - started
    gc.freeze()  # as the service does after start-up
    posting_650 = first_650_words(texts)
    if args.speed_only:  # the child run that times the sources: rates only, as JSON
        dev_rate, _ = rate(extractor.extract, texts, seconds)
        rate_650, _ = rate(extractor.extract, [posting_650], seconds)
        print(json.dumps({"status": native.status, "dev": dev_rate, "650": rate_650}))
        return
    import yake

    extracted = [extractor.extract(t) for t in texts]
    ours = [{k.term.lower() for k in keywords} for keywords in extracted]
    ours_knowledge = [
        {k.term.lower() for k in keywords if k.group != "soft"} for keywords in extracted
    ]
    kw = yake.KeywordExtractor(lan="en", n=3, top=20)
    theirs = [{phrase.lower() for phrase, _score in kw.extract_keywords(t)} for t in texts]

    print(f"SkillSpan dev: {len(postings)} postings, {sum(map(len, golds))} gold knowledge spans")
    print(f"taxonomy: {len(extractor.taxonomy)} skills, loaded in {load_seconds:.2f} s")
    print(f"extraction: {'compiled with mypyc' if native.status == 'compiled' else native.status}")
    print(f"{'system':<12}{'P':>7}{'R':>7}{'F1':>7}  | partial {'P':>6}{'R':>7}{'F1':>7}")
    systems = (
        ("jobhunt", ours),
        ("  no soft", ours_knowledge),
        ("YAKE top-20", theirs),
    )
    for name, predictions in systems:
        s = scores(predictions, golds)
        print(
            f"{name:<12}{s['P']:7.3f}{s['R']:7.3f}{s['F1']:7.3f}  |         "
            f"{s['pP']:6.3f}{s['pR']:7.3f}{s['pF1']:7.3f}"
        )

    ours_rate, ours_wall = rate(extractor.extract, texts, seconds)
    ours_650, ours_650_wall = rate(extractor.extract, [posting_650], seconds)
    yake_rate, _ = rate(kw.extract_keywords, texts[:10], seconds)
    yake_650, _ = rate(kw.extract_keywords, [posting_650], seconds)
    print(
        f"in process, one core, per CPU second: dev postings {ours_rate:,.0f}/s "
        f"(YAKE {yake_rate:,.1f}/s, {ours_rate / yake_rate:,.0f}x); 650-word posting "
        f"{ours_650:,.0f}/s (YAKE {yake_650:,.1f}/s, {ours_650 / yake_650:,.0f}x)"
    )
    print(
        f"in process, wall clock: dev postings {ours_wall:,.0f}/s; "
        f"650-word posting {ours_650_wall:,.0f}/s"
    )
    if native.status == "compiled" and not args.no_sources:
        child = subprocess.run(
            [sys.executable, __file__, "--speed-only", *(["--quick"] if args.quick else [])],
            env={**os.environ, native.PURE_ENV: "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        sources = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"the Python sources ({native.PURE_ENV}=1, a second process, per CPU second): "
            f"dev postings {sources['dev']:,.0f}/s, 650-word posting {sources['650']:,.0f}/s; "
            f"compiled {ours_rate / sources['dev']:.2f}x and {ours_650 / sources['650']:.2f}x"
        )
    if not args.no_http:
        over_http, per_server_cpu = http_rate(texts, seconds * 2)
        cpu_note = f", {per_server_cpu:,.0f} per server CPU second" if per_server_cpu else ""
        print(
            f"over HTTP (uvicorn on 127.0.0.1, separate process, batches of {HTTP_BATCH}): "
            f"{over_http:,.0f} postings/s wall clock{cpu_note} "
            f"({over_http / yake_rate:,.0f}x YAKE in process)"
        )


if __name__ == "__main__":
    main()
