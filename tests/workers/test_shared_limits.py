"""What several workers share in Redis: the send limits, each user's order, updates handled once."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis
from telegram import Bot
from telegram.error import RetryAfter

from bot.telegram.limiter import SharedRateLimiter
from bot.telegram.shared_order import SharedUserOrder
from tests.telegram import updates
from tests.workers.conftest import REDIS_URL


async def test_two_workers_together_send_no_more_than_the_overall_limit(redis_prefix):
    workers = [SharedRateLimiter(REDIS_URL, redis_prefix, per_second=5) for _ in range(2)]
    for worker in workers:
        await worker.initialize()
    sent: list[float] = []

    async def send() -> bool:
        sent.append(time.monotonic())
        return True

    async def one(limiter: SharedRateLimiter, chat_id: int) -> bool:
        data = {"chat_id": chat_id, "text": "hi"}
        return await limiter.process_request(send, (), {}, "sendMessage", data, None)

    started = time.monotonic()
    results = await asyncio.gather(*(one(workers[i % 2], 1000 + i) for i in range(16)))
    assert results == [True] * 16
    # 16 sends at 5 a second shared take at least 3 s (5 now, 5, 5, then 1 more); two limiters
    # each allowing 5 a second of their own would be done in about 1 s. (Counting the sends in
    # any one second would also count a late first five with a prompt next five: a busy
    # machine delays a send after its place was taken, never before.)
    assert time.monotonic() - started >= 2.9


async def test_a_full_group_holds_only_that_group(redis_prefix):
    limiter = SharedRateLimiter(REDIS_URL, redis_prefix, per_second=100, group_per_minute=2)
    sent: list[int] = []

    async def send(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    def request(chat_id: int):  # noqa: ANN202 - a coroutine
        data = {"chat_id": chat_id, "text": "hi"}
        return limiter.process_request(send, (chat_id,), {}, "sendMessage", data, None)

    for _ in range(2):
        await request(-100)
    third = asyncio.create_task(request(-100))
    await request(-200)
    await request(42)
    await asyncio.sleep(0.3)
    assert sent == [-100, -100, -200, 42]  # the group's third message waits for its minute
    third.cancel()


async def test_one_users_updates_never_overlap_across_workers_and_repeats_are_dropped(
    redis_prefix,
):
    clients = [Redis.from_url(REDIS_URL) for _ in range(2)]
    workers = [SharedUserOrder(client, redis_prefix) for client in clients]
    bot = Bot(updates.TOKEN)
    alice = updates.user(1001, "Alice")
    taps = [updates.as_update(updates.text_message(f"tap {i}", alice), bot) for i in range(6)]
    running: list[int] = []
    log: list[tuple[str, int]] = []

    async def handle(update_id: int) -> None:
        running.append(update_id)
        assert len(running) == 1, f"two of Alice's updates at once: {running}"
        log.append(("start", update_id))
        await asyncio.sleep(0.02)
        running.remove(update_id)

    try:
        await asyncio.gather(
            *(
                workers[i % 2].do_process_update(tap, handle(tap.update_id))
                for i, tap in enumerate(taps)
            )
        )
        # The same update posted again, to the other worker: not handled a second time.
        await workers[1].do_process_update(taps[0], handle(taps[0].update_id))
    finally:
        for client in clients:
            await client.aclose()
    assert sorted(update_id for _, update_id in log) == [tap.update_id for tap in taps]


async def test_telegram_asking_to_slow_down_is_obeyed_then_given_up_on(redis_prefix):
    limiter = SharedRateLimiter(REDIS_URL, redis_prefix, max_retries=1)
    attempts: list[str] = []

    async def send(refusals: int) -> bool:
        attempts.append("sent")
        if len(attempts) <= refusals:
            raise RetryAfter(0)
        return True

    data = {"chat_id": 42, "text": "hi"}
    assert await limiter.process_request(send, (1,), {}, "sendMessage", data, None) is True
    assert len(attempts) == 2  # refused once, sent again

    attempts.clear()
    with pytest.raises(RetryAfter):
        await limiter.process_request(send, (5,), {}, "sendMessage", data, None)
    assert len(attempts) == 2  # one retry, then the refusal is passed on


async def test_answering_a_tap_never_waits_for_the_message_limit(redis_prefix):
    """answerCallbackQuery is not a message: with the second's one place taken and a message
    waiting for the next second, the tap is answered at once."""
    limiter = SharedRateLimiter(REDIS_URL, redis_prefix, per_second=1)
    done: list[str] = []

    async def call(what: str) -> bool:
        done.append(what)
        return True

    def request(endpoint: str, data: dict):  # noqa: ANN202 - a coroutine
        return limiter.process_request(call, (endpoint,), {}, endpoint, data, None)

    await request("sendMessage", {"chat_id": 42, "text": "one"})
    waiting = asyncio.create_task(request("sendMessage", {"chat_id": 43, "text": "two"}))
    started = time.monotonic()
    await request("answerCallbackQuery", {"callback_query_id": "7"})
    assert time.monotonic() - started < 0.2
    assert done == ["sendMessage", "answerCallbackQuery"]  # the second message still waits
    assert await waiting
    assert done == ["sendMessage", "answerCallbackQuery", "sendMessage"]
