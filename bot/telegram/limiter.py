"""Telegram's sending limits enforced across every worker, in Redis (the `limits` library).

PTB's `AIORateLimiter` counts inside one process: two workers would each send 30 messages a
second. `SharedRateLimiter` takes each request's place in a moving window kept in Redis, shared
by all workers: at most `per_second` requests to chats overall in any second, and at most
`group_per_minute` to one group in any minute. A request that finds the window full waits until
a place frees; `RetryAfter` from Telegram is still honoured, as `AIORateLimiter` does.
Requests that name no chat (answering a button tap, getMe, setMyCommands) are not messages
and are not counted: a tap is answered at once however many messages wait for a place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.observability import SENDS_THROTTLED

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 30
GROUP_MESSAGES_PER_MINUTE = 20
MAX_RETRIES = 2
#: How long a full window is waited for before looking again, at most (seconds).
LONGEST_WAIT = 0.25

Result = bool | dict[str, Any] | list[dict[str, Any]]


class SharedRateLimiter(BaseRateLimiter[int]):
    """A `BaseRateLimiter` whose counts live in Redis under `key_prefix`."""

    def __init__(
        self,
        redis_url: str,
        key_prefix: str,
        per_second: int = MESSAGES_PER_SECOND,
        group_per_minute: int = GROUP_MESSAGES_PER_MINUTE,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        # `limits` (and redis) loaded only by a worker that shares its limits: a single
        # process's limiter (`workers.process_limiter`) does without them.
        from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        self._storage = RedisStorage(
            "async+" + redis_url, implementation="redispy", key_prefix=f"{key_prefix}:limits"
        )
        self._window = MovingWindowRateLimiter(self._storage)
        self._overall = RateLimitItemPerSecond(per_second)
        self._group = RateLimitItemPerMinute(group_per_minute)
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Connect now: a first connection made while sending would delay that send."""
        await self._storage.check()

    async def shutdown(self) -> None:
        """Nothing to close beyond what the storage's connection pool releases itself."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            if chat_id is not None:
                if isinstance(chat_id, str) or chat_id < 0:  # groups, supergroups, channels
                    await self._take(self._group, str(chat_id))
                await self._take(self._overall, "overall")
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                # As PTB's AIORateLimiter reads it: the public attribute warns until PTB 23.
                seconds = exc._retry_after.total_seconds()  # noqa: SLF001
                log.info("Telegram asked to slow down (%s); retrying in %s s", endpoint, seconds)
                await asyncio.sleep(seconds + 0.1)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _take(self, item: Any, key: str) -> None:
        """Wait for a place in `item`'s window for `key`, then take it."""
        throttled = False
        while not await self._window.hit(item, key):
            if not throttled:
                SENDS_THROTTLED.inc()
                throttled = True
            stats = await self._window.get_window_stats(item, key)
            await asyncio.sleep(min(max(stats.reset_time - time.time(), 0.005), LONGEST_WAIT))
