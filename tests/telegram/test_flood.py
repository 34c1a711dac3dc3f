"""One user flooding the bot does not slow anyone else down, and still gets answers in order.

The updates go through the Application's own update queue and update processor
(`PerUserOrder`), as they do when polling: the flood first, then another user's /help.
Telegram answers each sendMessage after a short delay, so a flood takes a while to work off.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.telegram.app import build_application
from bot.telegram.ordering import MAX_CONCURRENT_UPDATES
from tests.telegram.recording import RecordingRequest, strip_html
from tests.telegram.updates import as_update, bot_settings, command, started, text_message, user

FLOODER, OTHER = 5001, 5002
LATENCY = 0.005  # seconds Telegram takes to answer a sendMessage


class SlowRequest(RecordingRequest):
    async def _api_sendMessage(self, params: dict, files: dict):
        await asyncio.sleep(LATENCY)
        return await super()._api_sendMessage(params, files)


def questions(kb, lookup, count: int) -> list[tuple[str, str]]:
    """`count` (question, the strategic descriptor its answer quotes), cycling if need be."""
    found = []
    for rng in kb.competency.ranges:
        question = f"{rng.name} strategic"
        if lookup.ask(question).key == f"r:{rng.id}:s":
            found.append((question, rng.strategic))
    assert len(found) >= 40, "the lookup should find most ranges by name"
    return list(itertools.islice(itertools.cycle(found), count))


async def wait_until(predicate, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    "flood", [50, MAX_CONCURRENT_UPDATES + 36], ids=["50", "more-than-the-slots"]
)
async def test_a_flood_does_not_delay_another_user_and_stays_in_order(
    sqlite_url, kb, lookup, flood
):
    rec = SlowRequest()
    asked = questions(kb, lookup, flood)
    flooder, other = user(FLOODER, "Flo"), user(OTHER, "Olu")
    app = build_application(bot_settings(sqlite_url), request=rec, rate_limited=False)
    async with started(app):
        await app.start()
        try:
            for question, _ in asked:
                await app.update_queue.put(as_update(text_message(question, flooder), app.bot))
            await app.update_queue.put(as_update(command("/help", other), app.bot))

            def sent_to(chat_id: int) -> list:
                return [c for c in rec.of("sendMessage") if c.chat_id == chat_id]

            await wait_until(lambda: sent_to(OTHER))
            before = len(sent_to(FLOODER))
            await wait_until(lambda: len(sent_to(FLOODER)) >= flood)
        finally:
            await app.stop()

    (help_,) = sent_to(OTHER)
    assert strip_html(help_.text).startswith("Help")
    assert before < 10, f"the other user's /help came after {before} of the flood's {flood}"

    replies = sent_to(FLOODER)
    assert len(replies) == flood and all(c.ok for c in replies)
    for n, (reply, (question, descriptor)) in enumerate(zip(replies, asked, strict=True)):
        assert descriptor in strip_html(reply.text), (n, question, reply)
