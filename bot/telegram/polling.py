"""Long polling that tells Telegram an update was received only once it has been handled.

Telegram keeps an update until a getUpdates call asks for a later one (its `offset`). PTB's
Updater asks for the next batch as soon as it has queued the last one, while those updates are
still being handled concurrently: a bot killed then (kill -9, an OOM kill, a power cut) has
confirmed updates it never answered, and they are gone. Here the offset moves only past updates
whose handling has finished: while some are in flight, getUpdates asks from the oldest of
them, so Telegram keeps them and hands them to the next process should this one die. Updates
it returns again that this process already has (in flight, or handled behind an older one
still in flight) are skipped. Handled twice is the worst case (at-least-once): a tap is
versioned, and a step is stored once per update (`bot.storage.deliveries`).

Each update goes through the application's update processor (`PerUserOrder`: concurrent, each
user's own updates in order) to `Application.process_update`, as PTB's own fetcher does. From
PTB's Updater this keeps: the webhook deleted first (without dropping pending updates), waits
after network errors growing to 30 s, Telegram's RetryAfter honoured, a rejected token ending
the run, 409 Conflict (another process polls with this token) said and retried, and on
SIGTERM or Ctrl-C a graceful stop: nothing new is fetched, what was fetched is finished and
confirmed, the rest stays with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.storage.deliveries import handling
from bot.telegram.context import BotApplication

log = logging.getLogger(__name__)
T = TypeVar("T")

LONG_POLL_SECONDS = 10
#: While updates are in flight getUpdates answers at once (it returns them again, with any new
#: ones), so it is asked again this often (seconds: the longest a new update then waits to be
#: fetched), or as soon as none is in flight (then it long-polls). Asking every time one of
#: them was handled made a getUpdates call per update under load.
IN_FLIGHT_PAUSE = 0.05
LONGEST_BACKOFF = 30.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


class ConfirmingPoller:
    """Fetches updates and hands them to `application`, confirming only handled ones."""

    def __init__(
        self,
        application: BotApplication,
        allowed_updates: Sequence[str] = Update.ALL_TYPES,
        timeout: int = LONG_POLL_SECONDS,
    ) -> None:
        self._app = application
        self._allowed = list(allowed_updates)
        self._timeout = timeout
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        #: fetched ids at or above the offset: in flight, or handled behind one in flight
        self._fetched: set[int] = set()
        self._next: int | None = None  # one past the highest update id fetched
        self._idle = asyncio.Event()

    @property
    def offset(self) -> int | None:
        """What getUpdates confirms: every update below the oldest still in flight, or every
        update fetched so far when none is."""
        if self._in_flight:
            return min(self._in_flight)
        return self._next

    async def run(self, stopping: asyncio.Event) -> None:
        """Poll until `stopping` is set, then finish what was fetched and confirm it."""
        await self._retrying(self._app.bot.delete_webhook, stopping)
        while not stopping.is_set():
            fresh = await self._retrying(self._fetch, stopping) or ()
            for update in fresh:
                self._dispatch(update)
            if self._in_flight:
                await self._until_idle(stopping)
        await self.drain()

    async def drain(self) -> None:
        """Finish the updates in flight, then confirm them all to Telegram."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        if self._next is None:
            return
        try:
            await self._app.bot.get_updates(
                offset=self._next, timeout=0, limit=1, allowed_updates=self._allowed
            )
        except TelegramError as exc:
            log.warning("could not confirm the last updates (they will come again): %s", exc)

    async def _fetch(self) -> Sequence[Update]:
        """The updates Telegram holds from the offset on that this process has not yet got.

        While updates are in flight getUpdates returns them again with any new ones: only
        the new ones are turned into `Update` objects (parsing every repeat cost more than
        handling the updates themselves, bench/e2e.py with 50 users)."""
        offset = self.offset
        self._fetched = {i for i in self._fetched if offset is None or i >= offset}
        bot = self._app.bot
        timeout = 0 if self._in_flight else self._timeout
        # Bot.get_updates parses every update returned; its own request, short of that step.
        raw = await bot._post(  # noqa: SLF001
            "getUpdates",
            {"offset": offset, "timeout": timeout, "allowed_updates": self._allowed},
            read_timeout=(bot.request.read_timeout or 0) + timeout,
        )
        fresh = [Update.de_json(u, bot) for u in raw if u["update_id"] not in self._fetched]
        for update in fresh:
            bot.insert_callback_data(update)
        return fresh

    def _dispatch(self, update: Update) -> None:
        uid = update.update_id
        self._fetched.add(uid)
        self._next = max(self._next or 0, uid + 1)
        task = asyncio.create_task(self._handle(update), name=f"update {uid}")
        self._in_flight[uid] = task
        task.add_done_callback(lambda _: self._done(uid))

    async def _handle(self, update: Update) -> None:
        with handling(update.update_id):
            processor = self._app.update_processor
            try:
                await processor.process_update(update, self._app.process_update(update))
            except Exception:  # handled, badly: confirmed anyway, never delivered in a loop
                log.exception("update %s could not be handled", update.update_id)

    def _done(self, update_id: int) -> None:
        del self._in_flight[update_id]
        if not self._in_flight:
            self._idle.set()

    async def _until_idle(self, stopping: asyncio.Event) -> None:
        """Wait while updates are in flight, at most `IN_FLIGHT_PAUSE` (then getUpdates asks
        again), or until none is (then it long-polls again)."""
        self._idle.clear()
        waits = [asyncio.ensure_future(e.wait()) for e in (self._idle, stopping)]
        try:
            await asyncio.wait(waits, timeout=IN_FLIGHT_PAUSE, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _retrying(
        self, call: Callable[[], Awaitable[T]], stopping: asyncio.Event
    ) -> T | None:
        """`call()` until it succeeds or `stopping` is set (then None), waiting after errors."""
        pause = 0.0
        while not stopping.is_set():
            attempt = asyncio.ensure_future(call())
            stop = asyncio.ensure_future(stopping.wait())
            await asyncio.wait((attempt, stop), return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if not attempt.done():
                attempt.cancel()
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await attempt
                return None
            try:
                return attempt.result()
            except InvalidToken:
                raise
            except RetryAfter as exc:
                wait = exc.retry_after
                pause = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.warning("Telegram asks to wait %s s before polling again", pause)
            except TimedOut:
                pause = 0.0
            except Conflict as exc:
                pause = min(LONGEST_BACKOFF, max(1.0, pause * 1.5))
                log.warning("another process polls with this token (%s); again in %g s", exc, pause)
            except TelegramError as exc:
                pause = min(LONGEST_BACKOFF, max(1.0, pause * 1.5))
                log.warning("polling failed (%s); trying again in %g s", exc, pause)
            if pause:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), pause)
        return None


def run_polling(application: BotApplication) -> None:
    """`Application.run_polling` with confirmation after handling: start-up and shutdown hooks,
    the JobQueue, and a graceful stop on SIGINT, SIGTERM or SIGABRT."""
    asyncio.run(_serve(application, ConfirmingPoller(application)))


async def _serve(application: BotApplication, poller: ConfirmingPoller) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        try:
            await poller.run(stopping)
        finally:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
