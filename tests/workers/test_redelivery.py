"""An update delivered again after the worker handling it died: handled once, screen shown."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.telegram.app import build_application
from bot.telegram.workers import workers_for
from tests.telegram.recording import RecordingRequest, methods, strip_html
from tests.telegram.test_stale_taps import RATINGS, assessing
from tests.telegram.updates import TgUser, _clean, as_update, bot_settings, callback, query_db
from tests.workers.conftest import REDIS_URL


class StallingEdits(RecordingRequest):
    """The fake Bot API; while `stall` is set, message edits never return (a dying worker)."""

    stall = False

    def __init__(self) -> None:
        super().__init__()
        self.stalled = asyncio.Event()

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any):  # noqa: ANN201
        if self.stall and url.endswith("/editMessageText"):
            self.stalled.set()
            await asyncio.Event().wait()
        return await super().do_request(url, method, *args, **kwargs)


async def test_a_tap_whose_worker_died_after_storing_it_shows_the_next_screen(
    sqlite_url, redis_prefix
):
    rec = StallingEdits()
    settings = bot_settings(sqlite_url, redis_url=REDIS_URL, redis_key_prefix=redis_prefix)
    app = build_application(settings, request=rec, workers=workers_for(settings))

    async def deliver(data: dict) -> list:
        """As the webhook worker does: through the shared per-user order."""
        mark = rec.mark()
        update = as_update(data, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))
        return rec.since(mark)

    await app.initialize()
    await app.post_init(app)
    try:
        alice = TgUser(app, rec, user_id=1001, first_name="Alice")
        m = await assessing(alice)
        _, managerial = alice.find_button("Managerial", m)
        tap = callback(managerial, _clean(rec.message(1001, m)), alice.user)

        rec.stall = True  # the rating is stored, then the worker dies before the screen changes
        dying = asyncio.create_task(deliver(tap))
        await rec.stalled.wait()
        dying.cancel()
        assert strip_html(rec.message(1001, m)["text"]).startswith("Self-assessment · 1/9")

        rec.stall = False
        again = await deliver(tap)  # Telegram posts the tap again, to another worker
        assert "editMessageText" in methods(again) and "sendMessage" not in methods(again)
        assert strip_html(rec.message(1001, m)["text"]).startswith("Self-assessment · 2/9")
        assert query_db(sqlite_url, RATINGS) == [
            ("practice-operation-and-development", "managerial")
        ]

        assert await deliver(tap) == []  # a third time, now that it was handled: nothing
        await alice.press("Strategic", m)  # and Alice carries on from there
        assert query_db(sqlite_url, RATINGS)[1] == ("risk-management", "strategic")
    finally:
        await app.shutdown()
        await app.post_shutdown(app)
