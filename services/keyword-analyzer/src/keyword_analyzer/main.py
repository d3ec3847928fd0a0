"""The keyword analyzer: taxonomy, extraction, match scores, resumes, analyses, insights."""

from __future__ import annotations

import asyncio
import gc
import logging

from fastapi import FastAPI

from jobhunt_common import create_service_app
from keyword_analyzer import native
from keyword_analyzer.api import router
from keyword_analyzer.config import Settings
from keyword_analyzer.db import MIGRATIONS_DIR
from keyword_analyzer.extraction import default_taxonomy
from keyword_analyzer.extraction.tagger import default_tagger
from keyword_analyzer.service import Analyzer

logger = logging.getLogger("keyword_analyzer")


async def _load_taxonomy(app: FastAPI) -> None:
    # Built once per process (about a second); requests share the trie read-only.
    settings: Settings = app.state.settings
    if native.status == "compiled":
        logger.info("extraction: compiled with mypyc")
    else:
        logger.warning("extraction: Python sources, slower than compiled: %s", native.status)
    taxonomy = await asyncio.to_thread(default_taxonomy)
    tagger = await asyncio.to_thread(default_tagger) if settings.span_tagger else None
    app.state.analyzer = Analyzer(taxonomy, tagger)
    if settings.freeze_gc_after_startup:
        # The trie is ~10^5 long-lived objects: keep the cyclic GC from rescanning them.
        gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service app (migrations are applied by ``jobhunt migrate``, not here)."""
    return create_service_app(
        settings or Settings(),
        title="jobhunt keyword analyzer",
        version="0.1.0",
        routers=[router],
        migrations_dir=MIGRATIONS_DIR,
        on_startup=[_load_taxonomy],
    )
