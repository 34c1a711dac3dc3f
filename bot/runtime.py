"""Start-up shared by every front end: schema, knowledge, lookup index, repository, service."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.conversations import Conversations
from bot.drawing import drawing_pool
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.lookup import LookupEngine
from bot.settings import Settings
from bot.storage.engine import create_repository
from bot.storage.migrate import ensure_schema
from bot.storage.repository import Repository


@dataclass(frozen=True, slots=True)
class Runtime:
    kb: KnowledgeBase
    lookup: LookupEngine
    repo: Repository
    conversations: Conversations


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Migrate (SQLite) or check (PostgreSQL) the schema, load everything once, then yield."""
    url = settings.effective_database_url
    await ensure_schema(url)
    kb = load_knowledge(settings.knowledge_dir)
    lookup = LookupEngine(kb)
    repo, engine = create_repository(url)
    drawing = drawing_pool(settings.drawing_processes)
    # matplotlib takes most of a second to import: done now, in a thread, rather than on the
    # event loop at the first chart (every update in flight would wait for it).
    await asyncio.to_thread(importlib.import_module, "bot.appraisal.chart")
    try:
        yield Runtime(kb, lookup, repo, Conversations(repo, kb, lookup, drawing=drawing))
    finally:
        await engine.dispose()
        if drawing is not None:
            drawing.shutdown(cancel_futures=True)
