"""Polling as Telegram sees it: an update is confirmed (a getUpdates offset past it) only once
it has been handled, while other users' updates go on being fetched and answered.

Through the real PTB Application and `ConfirmingPoller`, against the recording fake Bot API,
which keeps updates until an offset confirms them, as Telegram does.
"""

from __future__ import annotations

import asyncio

from bot.conversations import Conversations, Reply, UserRef
from bot.flows.events import Event
from bot.telegram.app import build_application
from bot.telegram.polling import ConfirmingPoller
from tests.telegram import updates
from tests.telegram.recording import RecordingRequest, strip_html
from tests.telegram.test_faults import FIRST_DOMAIN, RATINGS, at_first_rating, rows, wait_for
from tests.telegram.updates import TgUser, bot_settings, started

ALICE, BOB = 1001, 1002


def offsets(rec: RecordingRequest) -> list[int]:
    return [int(c.params.get("offset") or 0) for c in rec.of("getUpdates")]


async def test_a_tap_in_flight_stays_with_telegram_while_others_are_answered(
    sqlite_url, monkeypatch
):
    rec = RecordingRequest()
    async with started(build_application(bot_settings(sqlite_url), request=rec)) as app:
        alice = TgUser(app, rec, user_id=ALICE, first_name="Alice")
        bob = TgUser(app, rec, user_id=BOB, first_name="Bob")
        m = await at_first_rating(alice)
        await bob.command("/start")

        # Alice's tap is held up inside the bot (a slow database, say) until `gate` opens.
        gate = asyncio.Event()
        handle = Conversations.handle

        async def slow_for_alice(self: Conversations, user: UserRef, event: Event) -> Reply:
            if user.id == ALICE:
                await gate.wait()
            return await handle(self, user, event)

        monkeypatch.setattr(Conversations, "handle", slow_for_alice)
        _, data = alice.find_button("Managerial", m)
        tap = updates.callback(data, rec.message(ALICE, m), alice.user)
        helps = [updates.command("/help", bob.user) for _ in range(3)]

        await app.start()
        poller, stopping = ConfirmingPoller(app, timeout=1), asyncio.Event()
        polling = asyncio.create_task(poller.run(stopping))
        try:
            mark = rec.mark()
            rec.push_update(tap)
            for update in helps:
                rec.push_update(update)
            # Bob is answered, each /help once, although getUpdates keeps returning them
            # (they are behind Alice's tap, which Telegram must keep).
            await wait_for(lambda: len([c for c in rec.since(mark) if c.chat_id == BOB]) >= 3)
            polls = len(rec.of("getUpdates"))
            await wait_for(lambda: len(rec.of("getUpdates")) >= polls + 3)  # still polling
            assert max(offsets(rec)) <= tap["update_id"]  # the tap never confirmed
            assert poller.offset == tap["update_id"]

            gate.set()
            await wait_for(lambda: any(c.method == "editMessageText" for c in rec.since(mark)))
            stopping.set()  # SIGTERM
            await polling
        finally:
            stopping.set()
            gate.set()
            await app.stop()

    calls = rec.since(mark)
    assert len([c for c in calls if c.chat_id == BOB]) == 3
    edit = next(c for c in calls if c.method == "editMessageText")
    assert strip_html(edit.text).startswith("Self-assessment · 2/9")
    assert len([c for c in calls if c.method == "answerCallbackQuery"]) == 1
    assert offsets(rec)[-1] == helps[-1]["update_id"] + 1  # all confirmed on the way out
    assert await rows(sqlite_url, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "managerial")]
