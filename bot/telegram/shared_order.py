"""One user's updates handled one at a time across every worker, and each update only once.

`PerUserOrder` keeps a user's updates in order inside one process. With several workers behind
a load balancer a user's next tap may reach another worker while the last is still being
handled, so `SharedUserOrder` also holds a short per-user lock in Redis (redis-py's `Lock`)
while it handles an update. An update handled to the end is remembered for a day: the same
update posted again (Telegram or the load balancer retrying after a worker died or answered
late) is answered without being handled twice. One that was begun but never finished (its
worker died) is handled again, and `redelivered()` says so while it is: a tap whose step was
stored but whose answer was never shown then shows the current screen. A worker that dies
holding a lock holds it no longer than `LOCK_SECONDS`; the retried update waits that long.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from telegram import Update

from bot.telegram.ordering import MAX_CONCURRENT_UPDATES, PerUserOrder, _owner

if TYPE_CHECKING:  # redis is loaded only by workers that share (`workers.workers_for`)
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

LOCK_SECONDS = 10
WAIT_SECONDS = 30
HANDLED_SECONDS = 24 * 3600
STARTED, HANDLED = b"started", b"handled"

_redelivered: ContextVar[bool] = ContextVar("careerbot_redelivered", default=False)


def redelivered() -> bool:
    """Whether the update being handled was begun before, by a worker that stopped mid-way."""
    return _redelivered.get()


class SharedUserOrder(PerUserOrder):
    """`PerUserOrder`, plus a per-user Redis lock and a record of the updates handled."""

    def __init__(
        self, redis: Redis, key_prefix: str, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._redis = redis
        self._prefix = key_prefix

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        owner = _owner(update)
        lock = None
        if owner is not None:
            lock = self._redis.lock(
                f"{self._prefix}:user:{owner}",
                timeout=LOCK_SECONDS,
                sleep=0.01,
                blocking_timeout=WAIT_SECONDS,
                raise_on_release_error=False,
            )
            if not await lock.acquire():
                from redis.exceptions import LockError

                _close(coroutine)
                raise LockError(f"a user's lock was not free within {WAIT_SECONDS} s")
        key = f"{self._prefix}:update:{update.update_id}" if isinstance(update, Update) else None
        try:
            if key is None:
                await coroutine
                return
            # One round trip: mark the update started, and learn how far an earlier delivery got.
            before = await self._redis.set(key, STARTED, ex=HANDLED_SECONDS, nx=True, get=True)
            if before == HANDLED:
                log.info("an update was posted again after being handled; not handling it twice")
                _close(coroutine)
                return
            again = _redelivered.set(before == STARTED)
            try:
                await coroutine
            finally:
                _redelivered.reset(again)
            await self._redis.set(key, HANDLED, ex=HANDLED_SECONDS)
        finally:
            if lock is not None:
                await lock.release()


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
