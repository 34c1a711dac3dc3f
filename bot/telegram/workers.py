"""What one webhook worker shares with the others: Redis, the per-user order, the send limits.

Without `REDIS_URL` a worker is the single process it always was: per-user order and PTB's
`AIORateLimiter` inside the process. With it, both live in Redis and hold across workers; only
then are redis and `limits` loaded (about 6 MB of memory a single process does without).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import AIORateLimiter, BaseRateLimiter, BaseUpdateProcessor

from bot.settings import Settings
from bot.telegram.limiter import MAX_RETRIES
from bot.telegram.ordering import PerUserOrder

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class Workers:
    update_processor: BaseUpdateProcessor
    rate_limiter: BaseRateLimiter[Any]
    redis: Redis | None


def workers_for(settings: Settings) -> Workers:
    """Shared parts in Redis when `REDIS_URL` is set, otherwise this process's own."""
    if settings.redis_url is None:
        return Workers(PerUserOrder(), process_limiter(settings), None)
    from redis.asyncio import Redis

    from bot.telegram.limiter import SharedRateLimiter
    from bot.telegram.shared_order import SharedUserOrder

    per_second = settings.telegram_messages_per_second
    per_group = settings.telegram_group_messages_per_minute
    redis = Redis.from_url(settings.redis_url)
    prefix = settings.redis_key_prefix
    return Workers(
        SharedUserOrder(redis, prefix),
        SharedRateLimiter(settings.redis_url, prefix, per_second, per_group),
        redis,
    )


def process_limiter(settings: Settings) -> AIORateLimiter:
    """Telegram's sending limits kept by this process alone (polling, or one webhook worker).

    Like `SharedRateLimiter`, it counts only requests to a chat (`chat_id`): messages sent,
    edited, photos, documents. Answering a button tap (answerCallbackQuery) names no chat and
    never waits behind them, so a tap's spinner stops at once however busy sending is.
    """
    return AIORateLimiter(
        overall_max_rate=settings.telegram_messages_per_second,
        group_max_rate=settings.telegram_group_messages_per_minute,
        group_time_period=60,
        max_retries=MAX_RETRIES,
    )
