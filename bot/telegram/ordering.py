"""Updates run concurrently, but each user's own updates are applied in the order they came.

One user flooding the bot then queues behind their own lock and nobody else waits.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64


class PerUserOrder(BaseUpdateProcessor):
    """A lock per user (or chat, when there is no user), held while their update runs.

    An update first waits for its user's earlier updates, and only then for one of the
    `max_concurrent_updates` slots: waiting behind your own lock takes no slot, so a user
    who sends more updates than there are slots cannot make everyone else queue behind them.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    # PTB marks process_update @final (for type checkers only); it takes a slot for the whole
    # call, including the wait for the user's lock, so the lock is taken here, before the slot.
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        key = _owner(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            await super().process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _owner(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
