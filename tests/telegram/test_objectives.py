"""An objective's reminder comes from the JobQueue before the due date, once, across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.telegram.app import build_application
from tests.telegram.recording import RecordingRequest, strip_html
from tests.telegram.test_reminders import make_due, onboarded, restart_and_run_the_job_twice
from tests.telegram.updates import TgUser, bot_settings, query_db, started

ANA = 3101


def objective_reminders(rec: RecordingRequest) -> list:
    return [
        c
        for c in rec.of("sendMessage")
        if c.chat_id == ANA and 'Your objective "' in strip_html(c.text)
    ]


async def set_objective(person: TgUser, what: str, due: str) -> list:
    """Set an objective for the plan's first gap, shown by "the agreed plan"."""
    await person.command("/objective")
    await person.press("1.")
    await person.send(what)
    await person.send("the agreed plan")
    return await person.press(due)


async def test_an_objective_reminder_is_sent_once_across_a_restart(sqlite_url):
    rec = RecordingRequest()
    settings = bot_settings(sqlite_url)
    async with started(build_application(settings, request=rec, rate_limited=False)) as first:
        ana = await onboarded(first, rec, ANA, "Ana", assess=True)
        calls = await set_objective(ana, "Write the practice development plan", "3 months")
        assert any("Objective set" in strip_html(c.text or "") for c in calls)
    await make_due(sqlite_url, datetime.now(UTC) - timedelta(minutes=1))

    sent = await restart_and_run_the_job_twice(settings, rec, lambda: objective_reminders(rec))
    assert len(sent) == 1
    assert '"Write the practice development plan" is due on' in strip_html(sent[0].text)
    rows = query_db(sqlite_url, "select kind, sent_at from reminders")
    assert len(rows) == 1 and rows[0][0].startswith("objective:") and rows[0][1] is not None

    # Its button lists the objectives, to mark it done.
    async with started(build_application(settings, request=rec, rate_limited=False)) as third:
        ana = TgUser(third, rec, user_id=ANA, first_name="Ana")
        await ana.press("Update objectives")
        calls = await ana.press("1. Done")
        assert any("done ✓" in strip_html(c.text or "") for c in calls), calls


async def test_a_closed_objective_is_not_reminded_of(sqlite_url):
    rec = RecordingRequest()
    settings = bot_settings(sqlite_url)
    app = build_application(settings, request=rec, rate_limited=False)
    async with started(app):
        ana = await onboarded(app, rec, ANA, "Ana", assess=True)
        await set_objective(ana, "Write the plan", "1 month")
        await ana.command("/objectives")
        await ana.press("1. Drop")
        await make_due(sqlite_url, datetime.now(UTC) - timedelta(minutes=1))
        (job,) = app.job_queue.get_jobs_by_name("reminders")
        await job.run(app)
    assert objective_reminders(rec) == []
