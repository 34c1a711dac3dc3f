"""The send limits of one process (polling): messages are paced, answering a tap is not."""

from __future__ import annotations

import asyncio
import time

from bot.settings import Settings
from bot.telegram.workers import process_limiter


async def test_a_tap_is_answered_at_once_while_messages_wait_for_their_second():
    limiter = process_limiter(
        Settings(_env_file=None, telegram_messages_per_second=2, telegram_bot_token="1:x")
    )
    await limiter.initialize()
    done: list[tuple[str, float]] = []
    started = time.monotonic()

    async def call(what: str) -> bool:
        done.append((what, time.monotonic() - started))
        return True

    def request(endpoint: str, data: dict):  # noqa: ANN202 - a coroutine
        return limiter.process_request(call, (endpoint,), {}, endpoint, data, None)

    messages = [
        asyncio.create_task(request("editMessageText", {"chat_id": 40 + i, "text": "x"}))
        for i in range(6)
    ]
    await asyncio.sleep(0.05)  # the first messages went; the others wait for a place
    await request("answerCallbackQuery", {"callback_query_id": "7"})
    answered = time.monotonic() - started
    await asyncio.gather(*messages)
    last_message = max(t for what, t in done if what == "editMessageText")
    assert answered < 0.3
    assert last_message > 1.0  # six edits at two a second: the limit still holds for them
    await limiter.shutdown()
