"""A network partition to PostgreSQL under the real `careerbot run` process and the emulator.

The bot reaches PostgreSQL through a TCP proxy (in a thread of its own) that stops
forwarding while every connection stays open: a tap and a /help are each told "temporarily
unavailable" within 5 s; once the network is back the same process carries on, nothing lost
or recorded twice.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from bot.storage.migrate import upgrade_to_head_async
from bot.telegram.handlers import DB_DOWN
from tests.e2e.botprocess import STEP_TIMEOUT
from tests.e2e.test_bot_process import tap
from tests.test_reliability_db import RATINGS, TcpProxy, rows

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ANSWER_WITHIN = 5.0  # the bound for "temporarily unavailable"


@pytest.fixture
async def pg_url(postgres_url) -> str:
    await upgrade_to_head_async(postgres_url)  # `careerbot run` refuses an old schema
    return postgres_url


class ProxyThread:
    """A `TcpProxy` running in its own thread and event loop, beside blocking test code."""

    def __init__(self, host: str, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.proxy = TcpProxy(host, port)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ProxyThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.proxy.start(), self.loop).result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.proxy.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def freeze(self) -> None:
        self.loop.call_soon_threadsafe(self.proxy.freeze)

    def thaw(self) -> None:
        self.loop.call_soon_threadsafe(self.proxy.thaw)


def told_unavailable_within(alice, after: int) -> float:
    started = time.monotonic()
    alice.wait_for_bot_message(lambda m: m.text == DB_DOWN, after=after, timeout=STEP_TIMEOUT)
    return time.monotonic() - started


async def test_partition_answers_within_5s_and_the_process_recovers(emulator, bot, pg_url):
    u = make_url(pg_url)
    with ProxyThread(u.host or "127.0.0.1", u.port or 5432) as proxy:
        bot.env["DATABASE_URL"] = u.set(port=proxy.proxy.port).render_as_string(hide_password=False)
        await asyncio.to_thread(bot.start)
        alice = emulator.private_chat(user_id=1001, first_name="Alice")

        def journey_until_partition_healed() -> tuple[float, float]:
            alice.send_command("/start")
            welcome = alice.wait_for_bot_message(lambda m: m.keyboard, timeout=STEP_TIMEOUT)
            m = welcome.message_id
            for label, shows in [
                ("OK, let's start", "What is your role today?"),
                ("Practice manager", "Which career stage are you at?"),
                ("Early", "Which career directions fit you now?"),
                ("Moving up", lambda msg: "✅ Moving up" in [b for b, _ in msg.buttons]),
                ("Done", "Your profile is saved"),
                ("Start self-assessment", "Self-assessment · 1/9"),
            ]:
                tap(alice, m, label, shows)
            proxy.freeze()
            last = alice.bot_messages()[-1].message_id
            tap(alice, m, "Managerial", "", wait=False)
            tapped = told_unavailable_within(alice, last)
            last = alice.bot_messages()[-1].message_id
            alice.send_command("/help")
            helped = told_unavailable_within(alice, last)
            proxy.thaw()
            tap(alice, m, "Managerial", "Self-assessment · 2/9")
            tap(alice, m, "Strategic", "Self-assessment · 3/9")
            return tapped, helped

        tapped, helped = await asyncio.to_thread(journey_until_partition_healed)
        assert tapped < ANSWER_WITHIN and helped < ANSWER_WITHIN, (tapped, helped)
        assert "error while handling" in bot.output()  # logged, and the process lives on
        assert bot.process is not None and bot.process.poll() is None
    assert await rows(pg_url, RATINGS, user=1001) == [
        ("practice-operation-and-development", "managerial"),
        ("risk-management", "strategic"),
    ]
