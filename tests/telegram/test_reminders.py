"""Re-assessment reminders: asked for in private, kept in the database, sent once by the JobQueue.

`send_due_reminders` is what the `reminders` job runs every minute. Two bot processes on one
PostgreSQL (or SQLite file) each run it; the claim in the database makes exactly one of them
send each reminder.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from telegram import Bot
from telegram.ext import AIORateLimiter

from bot.storage.engine import create_engine, create_repository
from bot.storage.models import Reminder
from bot.telegram.app import build_application
from bot.telegram.reminders import REMINDER_TEXT, send_due_reminders
from tests.conftest import schedule
from tests.telegram.recording import FORBIDDEN, RecordingRequest, strip_html, too_many
from tests.telegram.updates import TOKEN, TgUser, bot_settings, query_db, started

ANA, BOB = 3001, 3002
LEVELS = ["Managerial"] * 9


class SlowRequest(RecordingRequest):
    """Telegram with some latency, so that two schedulers really overlap."""

    async def _api_sendMessage(self, params: dict, files: dict):
        await asyncio.sleep(0.01)
        return await super()._api_sendMessage(params, files)


@pytest.fixture
def rate_limited() -> bool:
    return False


def repo_of(app):
    return app.bot_data["runtime"].repo


def reminders_to(rec: RecordingRequest, chat_id: int) -> list:
    return [c for c in rec.of("sendMessage") if c.chat_id == chat_id and c.text == REMINDER_TEXT]


async def onboarded(app, rec, user_id: int, name: str, assess: bool = False) -> TgUser:
    person = TgUser(app, rec, user_id=user_id, first_name=name)
    (welcome,) = await person.command("/start")
    m = welcome.message_id
    labels = ["OK, let's start", "Practice manager", "Early", "Moving up", "Done"]
    if assess:
        labels += ["Start self-assessment", *LEVELS, "No thanks", "Accept these targets"]
    for label in labels:
        await person.press(label, m)
    return person


async def wait_until(predicate, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def restart_and_run_the_job_twice(settings, rec: RecordingRequest, sent_so_far) -> list:
    """A fresh process: its JobQueue's first run sends what is due, a second run nothing more.
    Returns what `sent_so_far()` finds after both runs."""
    app = build_application(settings, request=rec, rate_limited=False)
    async with started(app):
        (job,) = app.job_queue.get_jobs_by_name("reminders")
        await app.start()
        try:
            await wait_until(sent_so_far)  # the job's first run, after 1 s
            first = list(sent_so_far())
            await job.run(app)  # the next tick finds nothing left to send
            assert sent_so_far() == first
        finally:
            await app.stop()
    return first


async def make_due(url: str, when: datetime) -> None:
    """Move every reminder's due time to `when` (as if the months had passed)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(update(Reminder.__table__).values(due_at=when))
    finally:
        await engine.dispose()


async def test_remind_after_the_plan_is_stored(app, rec):
    ana = await onboarded(app, rec, ANA, "Ana", assess=True)
    await ana.press("See my plan")
    calls = await ana.press("Remind me to re-assess")
    assert strip_html(calls[-1].text).startswith("Reminder")
    before = datetime.now(UTC)
    calls = await ana.press("In 3 months")
    assert "I'll remind you on" in strip_html(calls[-1].text)
    (pending,) = await repo_of(app).pending_reminders(ANA)
    assert pending.kind == "reassess"
    assert timedelta(days=89) < pending.due_at - before < timedelta(days=91)

    await ana.command("/remind")
    await ana.press("In 1 month")  # replaces the 3-month one
    (pending,) = await repo_of(app).pending_reminders(ANA)
    assert pending.due_at - before < timedelta(days=31)


async def test_no_reminder_tap_and_forget_cancel_pending_reminders(app, rec, sqlite_url):
    ana = await onboarded(app, rec, ANA, "Ana")
    await ana.command("/remind")
    await ana.press("In 6 months")
    await ana.command("/remind")
    calls = await ana.press("No reminder")
    assert "cancelled" in strip_html(calls[-1].text)
    assert await repo_of(app).pending_reminders(ANA) == []

    await ana.command("/remind")
    await ana.press("In 1 month")
    assert len(await repo_of(app).pending_reminders(ANA)) == 1
    (confirm,) = await ana.command("/forget")
    await ana.press("Yes, delete everything", confirm.message_id)
    assert await repo_of(app).pending_reminders(ANA) == []
    assert query_db(sqlite_url, "select count(*) from reminders") == [(0,)]
    mark = rec.mark()
    later = datetime.now(UTC) + timedelta(days=400)
    assert await send_due_reminders(app.bot, repo_of(app), "test", later) == 0
    assert rec.since(mark) == []


async def test_two_schedulers_send_each_due_reminder_once(storage):
    """Two processes' schedulers at the same moment, each with its own engine: one send each."""
    now = datetime.now(UTC)
    users = list(range(4001, 4011))
    for user_id in users:
        await storage.repo.begin_turn(user_id, f"User {user_id}")
        await schedule(storage.repo, user_id, now - timedelta(minutes=1), "reassess")
    await schedule(storage.repo, users[0], now + timedelta(days=1), "reassess")  # not due
    second, engine = create_repository(storage.url)
    rec = SlowRequest()
    try:
        async with Bot(TOKEN, request=rec, get_updates_request=rec) as bot:
            counts = await asyncio.gather(
                send_due_reminders(bot, storage.repo, "process-a", now),
                send_due_reminders(bot, second, "process-b", now),
            )
            assert sum(counts) == len(users), counts
            sent = [c.chat_id for c in rec.of("sendMessage")]
            assert sorted(sent) == users  # each user exactly once
            again = await asyncio.gather(
                send_due_reminders(bot, storage.repo, "process-a", now),
                send_due_reminders(bot, second, "process-b", now),
            )
            assert again == [0, 0] and len(rec.of("sendMessage")) == len(users)
    finally:
        await engine.dispose()
    for user_id in users:
        pending = await storage.repo.pending_reminders(user_id)
        assert [r.due_at > now for r in pending] == ([True] if user_id == users[0] else [])


async def test_a_reminder_survives_a_restart_and_the_job_sends_it_once(sqlite_url):
    rec = RecordingRequest()
    settings = bot_settings(sqlite_url)
    async with started(build_application(settings, request=rec, rate_limited=False)) as first:
        ana = await onboarded(first, rec, ANA, "Ana")
        await ana.command("/remind")
        await ana.press("In 1 month")
    await make_due(sqlite_url, datetime.now(UTC) - timedelta(minutes=1))

    (sent,) = await restart_and_run_the_job_twice(settings, rec, lambda: reminders_to(rec, ANA))
    assert sent.ok
    sent_at = query_db(sqlite_url, "select sent_at, claimed_by from reminders")
    assert len(sent_at) == 1 and sent_at[0][0] is not None and sent_at[0][1]

    # Its buttons work: "Re-assess now" starts the self-assessment.
    async with started(build_application(settings, request=rec, rate_limited=False)) as third:
        ana = TgUser(third, rec, user_id=ANA, first_name="Ana")
        calls = await ana.press("Re-assess now")
        assert any(strip_html(c.text).startswith("Self-assessment · 1/9") for c in calls), calls


async def test_a_blocked_user_is_marked_inactive_and_not_retried(app, rec, sqlite_url):
    await onboarded(app, rec, ANA, "Ana")
    await onboarded(app, rec, BOB, "Bob")
    repo = repo_of(app)
    now = datetime.now(UTC)
    await schedule(repo, ANA, now - timedelta(minutes=2), "reassess")
    await schedule(repo, BOB, now - timedelta(minutes=1), "reassess")
    rec.fail("sendMessage", FORBIDDEN)  # Ana's, the first due

    assert await send_due_reminders(app.bot, repo, "test", now) == 1  # Bob still gets his
    assert (await repo.load_snapshot(ANA)).user.active is False
    assert len(reminders_to(rec, BOB)) == 1
    mark = rec.mark()
    assert await send_due_reminders(app.bot, repo, "test", now + timedelta(days=1)) == 0
    assert rec.since(mark) == []


async def test_rate_limiter_is_installed_by_default_and_retry_after_is_honoured(sqlite_url):
    rec = RecordingRequest()
    app = build_application(bot_settings(sqlite_url), request=rec)
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)
    async with started(app):
        await onboarded(app, rec, ANA, "Ana")
        repo = repo_of(app)
        now = datetime.now(UTC)
        await schedule(repo, ANA, now - timedelta(minutes=1), "reassess")
        rec.fail("sendMessage", too_many(1))
        started_at = time.monotonic()
        assert await send_due_reminders(app.bot, repo, "test", now) == 1
        assert time.monotonic() - started_at >= 1.0  # waited as Telegram asked
        first, second = reminders_to(rec, ANA)
        assert not first.ok and "Too Many Requests" in first.error
        assert second.ok
        assert await repo.pending_reminders(ANA) == []


async def test_retry_after_without_the_limiter_stops_the_run_and_leaves_the_rest(app, rec):
    await onboarded(app, rec, ANA, "Ana")
    await onboarded(app, rec, BOB, "Bob")
    repo = repo_of(app)
    now = datetime.now(UTC)
    await schedule(repo, ANA, now - timedelta(minutes=2), "reassess")
    await schedule(repo, BOB, now - timedelta(minutes=1), "reassess")
    rec.fail("sendMessage", too_many(5))
    assert await send_due_reminders(app.bot, repo, "test", now) == 0
    assert reminders_to(rec, BOB) == []  # not tried while Telegram asks us to wait
    assert await send_due_reminders(app.bot, repo, "test", now) == 2  # Ana's is tried again
    assert [c.ok for c in reminders_to(rec, BOB)] == [True]


async def test_a_reminder_that_failed_to_send_is_tried_again(app, rec):
    await onboarded(app, rec, ANA, "Ana")
    repo = repo_of(app)
    now = datetime.now(UTC)
    await schedule(repo, ANA, now - timedelta(minutes=1), "reassess")
    rec.fail("sendMessage", too_many(5))
    assert await send_due_reminders(app.bot, repo, "test", now) == 0
    assert await send_due_reminders(app.bot, repo, "test", now + timedelta(minutes=1)) == 1
