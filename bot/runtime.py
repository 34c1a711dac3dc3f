"""Start-up shared by every front end: schema, knowledge, lookup index, repository, service."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import importlib
import os
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

#: glibc's mallopt parameter for the number of malloc arenas (malloc.h).
M_ARENA_MAX = -8
#: At most this many malloc arenas (glibc's default is 8 per core).
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas, as `MALLOC_ARENA_MAX` would (an operator's setting wins).

    Each thread that allocates (the drawing threads, aiosqlite's, asyncio's) otherwise gets an
    arena of its own, and memory a chart freed stays in its thread's arena: about 15 MB of
    peak RSS with charts, for no speed (drawing holds the GIL anyway). False where there is no
    glibc (musl, macOS): nothing changes there.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError, TypeError):
        return False


@dataclass(frozen=True, slots=True)
class Runtime:
    kb: KnowledgeBase
    lookup: LookupEngine
    repo: Repository
    conversations: Conversations


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Migrate (SQLite) or check (PostgreSQL) the schema, load everything once, then yield."""
    limit_malloc_arenas()
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
