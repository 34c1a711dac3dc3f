"""Faults through the Application: racing taps, Bot API failures after a step was stored, and
updates that are not for the flows (polls, channel posts, other bots).

What tests/telegram/test_delivery.py already covers is not repeated here ("message is not
modified", "message to edit not found", a flood limit waited out, a blocked user, a network
error on a reply, stickers/photos/voice/locations/edits).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from typing import Any

import pytest
from sqlalchemy import pool, text
from telegram.error import TimedOut

from bot.flows.router import EXPIRED
from bot.storage.engine import create_engine
from bot.storage.migrate import upgrade_to_head_async
from bot.telegram.app import build_application
from bot.telegram.handlers import FAILED, NON_TEXT_HINT
from tests.telegram import updates
from tests.telegram.recording import Call, RecordingRequest, methods, strip_html, too_many
from tests.telegram.updates import TgUser, bot_settings, started

ALICE = 1001
FIRST_DOMAIN = "practice-operation-and-development"
SECOND_DOMAIN = "risk-management"
ONBOARDING = ("OK, let's start", "Practice manager", "Early", "Moving up", "Done")


class FlakyRequest(RecordingRequest):
    """The fake Bot API, where a call can also time out: before Telegram got it, or after
    Telegram carried it out (the answer was lost on the way back)."""

    def __init__(self) -> None:
        super().__init__()
        self._timeouts: dict[str, deque[bool]] = defaultdict(deque)
        self.timed_out: list[str] = []

    def time_out(self, method: str, *, delivered: bool, times: int = 1) -> None:
        self._timeouts[method].extend([delivered] * times)

    async def do_request(self, url: str, method: str, request_data: Any = None, *args, **kwargs):
        api_method = url.rsplit("/", 1)[-1]
        pending = self._timeouts.get(api_method)
        if not pending:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        delivered = pending.popleft()
        self.timed_out.append(api_method)
        if delivered:
            await super().do_request(url, method, request_data, *args, **kwargs)
        else:
            params = dict(request_data.parameters) if request_data is not None else {}
            self.calls.append(Call(api_method, params, error="timed out"))
        raise TimedOut()


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def rows(url: str, sql: str, **params: Any) -> list[tuple]:
    """Rows straight from the database (either engine), outside the bot."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


RATINGS = (
    "select r.domain_id, r.level from ratings r join assessments a on a.id = r.assessment_id "
    "where a.user_id = :user and r.range_id = '' order by r.domain_id"
)


async def at_first_rating(user: TgUser) -> int:
    """Onboard `user` and open the self-assessment at 1/9; returns the message it is in."""
    (welcome,) = await user.command("/start")
    for label in ONBOARDING:
        await user.press(label, welcome.message_id)
    await user.press("Start self-assessment", welcome.message_id)
    assert strip_html(user.latest()["text"]).startswith("Self-assessment · 1/9")
    return welcome.message_id


# -- databases on both engines -----------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bot_db_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
async def bot_db(bot_db_url) -> str:
    """A database URL for the bot on each engine: SQLite migrates itself at start,
    PostgreSQL is upgraded first (as `careerbot db upgrade` does)."""
    if bot_db_url.startswith("postgresql"):
        await upgrade_to_head_async(bot_db_url)
    return bot_db_url


@pytest.fixture
def rec() -> FlakyRequest:
    return FlakyRequest()


# -- two devices --------------------------------------------------------------------------
async def wait_for(predicate, timeout: float = 10.0):  # noqa: ASYNC109 - a polling deadline
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)
    return value


async def test_two_devices_tapping_at_once_record_one_rating(bot_db, rec):
    """Phone and desktop show the same question; both are tapped before the bot answers.

    The two taps arrive in one getUpdates batch and run as the bot runs them (polling,
    concurrent updates, each user's updates in order): the first is recorded and edits the
    message, the second says on its button, and only there, that it has expired.
    """
    async with started(build_application(bot_settings(bot_db), request=rec)) as app:
        alice = TgUser(app, rec, user_id=ALICE, first_name="Alice")
        m = await at_first_rating(alice)
        message = rec.message(ALICE, m)
        _, on_phone = alice.find_button("Managerial", m)
        _, on_desktop = alice.find_button("Strategic", m)
        mark = rec.mark()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            rec.push_update(updates.callback(on_phone, message, alice.user))
            rec.push_update(updates.callback(on_desktop, message, alice.user))
            await wait_for(lambda: len(rec.since(mark)) >= 3)
            await asyncio.sleep(0.2)  # anything else it would send
        finally:
            await app.updater.stop()
            await app.stop()
        calls = [c for c in rec.since(mark) if c.method != "deleteWebhook"]  # polling starts

    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "answerCallbackQuery"]
    assert all(c.ok for c in calls), calls
    first, edit, second = calls
    assert "text" not in first.params and edit.message_id == m
    assert strip_html(edit.text).startswith("Self-assessment · 2/9")
    assert second.params["text"] == EXPIRED
    assert await rows(bot_db, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "managerial")]


async def test_two_bot_processes_racing_on_one_database_record_one_rating(bot_db, rec, monkeypatch):
    """Two bot processes on one database (a deploy overlapping the old one) each get one of
    the two taps and both write at the same instant: the versioned write lets one through;
    the other says on its button that it was already recorded (the winner's edit shows the
    current step)."""
    settings = bot_settings(bot_db)
    async with (
        started(build_application(settings, request=rec)) as one,
        started(build_application(settings, request=rec)) as two,
    ):
        m = await at_first_rating(TgUser(one, rec, user_id=ALICE, first_name="Alice"))
        steps = "select version from conversations where user_id = :user"
        ((version,),) = await rows(bot_db, steps, user=ALICE)
        both_read = asyncio.Barrier(2)
        for app in (one, two):  # both have read the same version before either writes
            repo = app.bot_data["runtime"].repo
            write = repo.apply_step

            async def apply_step(*args, _write=write, **kwargs):
                await asyncio.wait_for(both_read.wait(), 10)
                return await _write(*args, **kwargs)

            monkeypatch.setattr(repo, "apply_step", apply_step)
        phone = TgUser(one, rec, user_id=ALICE, first_name="Alice")
        desktop = TgUser(two, rec, user_id=ALICE, first_name="Alice")
        _, managerial = phone.find_button("Managerial", m)
        _, strategic = desktop.find_button("Strategic", m)
        mark = rec.mark()
        await asyncio.gather(phone.tap_data(managerial, m), desktop.tap_data(strategic, m))
        calls = rec.since(mark)

    assert all(c.ok for c in calls), calls
    edits = [c for c in calls if c.method == "editMessageText"]
    notices = [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]
    assert len(edits) == 1 and sorted(notices, key=str) == ["Already recorded.", None], calls
    assert "sendMessage" not in methods(calls)
    assert strip_html(edits[0].text).startswith("Self-assessment · 2/9")
    assert await rows(bot_db, RATINGS, user=ALICE) in (
        [(FIRST_DOMAIN, "managerial")],
        [(FIRST_DOMAIN, "strategic")],
    )
    steps = "select step, version from conversations where user_id = :user"
    assert await rows(bot_db, steps, user=ALICE) == [("rate", version + 1)]


# -- Bot API failures after the step was stored -------------------------------------------
@pytest.mark.parametrize("delivered", [False, True], ids=["lost", "sent-answer-lost"])
async def test_timeout_sending_a_step_keeps_the_users_place(
    alice, rec, sqlite_url, caplog, delivered
):
    """/assess is stored, then sending its question times out (before or after Telegram
    showed it). The user is told their answers are saved; /start offers to continue exactly
    there, and only one assessment was opened."""
    caplog.set_level(logging.INFO)
    (welcome,) = await alice.command("/start")
    for label in ONBOARDING:
        await alice.press(label, welcome.message_id)
    rec.time_out("sendMessage", delivered=delivered)
    calls = await alice.command("/assess")
    assert rec.timed_out == ["sendMessage"]
    assert methods(calls) == ["sendMessage", "sendMessage"], calls
    assert calls[1].ok and calls[1].text == FAILED
    assert [r.getMessage() for r in errors(caplog)] == ["error while handling a message update"]
    assert updates.query_db(sqlite_url, "select step from conversations") == [("rate",)]

    (resume,) = await alice.command("/start")
    assert strip_html(resume.text).startswith("Welcome back")
    assert "your self-assessment" in strip_html(resume.text)
    calls = await alice.press("Continue", resume.message_id)
    assert strip_html(calls[1].text).startswith("Self-assessment · 1/9")
    await alice.press("Strategic", resume.message_id)
    assert updates.query_db(sqlite_url, "select count(*) from assessments") == [(1,)]
    assert updates.query_db(sqlite_url, "select domain_id, level from ratings") == [
        (FIRST_DOMAIN, "strategic")
    ]


async def test_timeout_editing_after_a_rating_then_the_old_button(alice, rec, sqlite_url):
    """The rating is stored but the edit showing the next question times out, so the old
    question is still on screen. Tapping it again records nothing twice: it says on the
    button that it has expired, and /start carries on at the current question."""
    m = await at_first_rating(alice)
    rec.time_out("editMessageText", delivered=False)
    calls = await alice.press("Managerial", m)
    # (the error handler answers the tap too, in case the failure came before the answer)
    assert methods(calls) == [
        "answerCallbackQuery",
        "editMessageText",
        "answerCallbackQuery",
        "sendMessage",
    ], calls
    assert calls[-1].text == FAILED
    assert strip_html(rec.message(ALICE, m)["text"]).startswith("Self-assessment · 1/9")

    calls = await alice.press("Strategic", m)  # the same, old question
    assert methods(calls) == ["answerCallbackQuery"], calls
    assert calls[0].params["text"] == EXPIRED
    (resume,) = await alice.command("/start")
    (_, current) = await alice.press("Continue", resume.message_id)
    assert strip_html(current.text).startswith("Self-assessment · 2/9")
    calls = await alice.press("Administrative", current.message_id)
    assert strip_html(calls[1].text).startswith("Self-assessment · 3/9")
    assert updates.query_db(
        sqlite_url, "select domain_id, level from ratings order by domain_id"
    ) == [(FIRST_DOMAIN, "managerial"), (SECOND_DOMAIN, "administrative")]


async def test_flood_limit_that_outlasts_the_retries_keeps_the_users_place(alice, rec, sqlite_url):
    """Telegram says "retry after" more often than the rate limiter retries (twice): the
    rating stays stored and the user is told; the next tap carries on from the next question.
    """
    m = await at_first_rating(alice)
    rec.fail("editMessageText", too_many(retry_after=1), times=3)
    calls = await alice.press("Managerial", m)
    assert methods(calls) == [
        "answerCallbackQuery",
        *["editMessageText"] * 3,
        "answerCallbackQuery",
        "sendMessage",
    ], calls
    assert calls[-1].ok and calls[-1].text == FAILED
    assert updates.query_db(sqlite_url, "select level from ratings") == [("managerial",)]
    (resume,) = await alice.command("/start")
    calls = await alice.press("Continue", resume.message_id)
    assert strip_html(calls[1].text).startswith("Self-assessment · 2/9")


async def test_a_timeout_answering_the_tap_still_takes_the_step(alice, rec, sqlite_url):
    """answerCallbackQuery timing out only leaves the spinner: the step is taken and shown.

    (PTB raises TimedOut, not BadRequest, so this is not the "query is too old" case.)
    """
    m = await at_first_rating(alice)
    rec.time_out("answerCallbackQuery", delivered=False)
    calls = await alice.press("Managerial", m)
    assert updates.query_db(sqlite_url, "select level from ratings") == [("managerial",)]
    assert strip_html(rec.message(ALICE, m)["text"]).startswith("Self-assessment · 2/9"), calls


# -- updates that are not for the flows ---------------------------------------------------
def poll(from_user: dict) -> dict:
    return updates._update(
        message=updates._message(
            from_user,
            poll={
                "id": "p1",
                "question": "Lunch?",
                "options": [
                    {"text": "Yes", "voter_count": 0, "persistent_id": "0"},
                    {"text": "No", "voter_count": 0, "persistent_id": "1"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            },
        )
    )


CHANNEL = {"id": -1009876543210, "type": "channel", "title": "Practice news"}


def channel_post(text_: str, *, edited: bool = False) -> dict:
    post = {
        "message_id": 7,
        "date": int(time.time()),
        "chat": CHANNEL,
        "sender_chat": CHANNEL,
        "text": text_,
    }
    if edited:
        post["edit_date"] = int(time.time())
    return updates._update(**{"edited_channel_post" if edited else "channel_post": post})


OTHER_BOT = {"id": 5550001, "is_bot": True, "first_name": "Helper", "username": "HelperBot"}


async def test_a_poll_gets_the_one_line_hint(alice, sqlite_url, caplog):
    caplog.set_level(logging.INFO)
    calls = await alice.feed(poll(alice.user))
    assert [(c.method, c.chat_id, c.text) for c in calls] == [("sendMessage", ALICE, NON_TEXT_HINT)]
    assert errors(caplog) == []
    assert updates.query_db(sqlite_url, "select count(*) from conversations") == [(0,)]


@pytest.mark.parametrize(
    "update",
    [
        channel_post("/start"),
        channel_post("what does strategic mean for complaints"),
        channel_post("/ask finance", edited=True),
    ],
    ids=["command", "text", "edited"],
)
async def test_channel_posts_are_ignored(alice, rec, sqlite_url, caplog, update):
    """In a channel the bot is a silent member: posts are nobody's conversation."""
    caplog.set_level(logging.INFO)
    assert await alice.feed(update) == []
    assert errors(caplog) == []
    assert updates.query_db(sqlite_url, "select count(*) from users") == [(0,)]


@pytest.mark.parametrize(
    "update",
    [
        updates.text_message("what does strategic mean for complaints", OTHER_BOT),
        updates.command("/start", OTHER_BOT),
        updates.command("/assess", OTHER_BOT),
    ],
    ids=["text", "start", "assess"],
)
async def test_messages_from_other_bots_are_ignored(alice, rec, sqlite_url, caplog, update):
    """Telegram does not let bots talk to each other (they could loop for ever); should a
    bot's message arrive anyway (a self-hosted Bot API server, a test harness), the bot does
    not answer it and stores nothing about it."""
    caplog.set_level(logging.INFO)
    assert await alice.feed(update) == []
    assert errors(caplog) == []
    assert updates.query_db(sqlite_url, "select count(*) from users") == [(0,)]


async def test_a_message_sent_via_another_bot_is_the_users_own(alice, rec):
    """A user may post another bot's inline result into our chat: it is their message."""
    update = updates.text_message("finance managerial", alice.user)
    update["message"]["via_bot"] = OTHER_BOT
    calls = await alice.feed(update)
    assert methods(calls) == ["sendMessage"] and calls[0].ok
    assert "Finance" in strip_html(calls[0].text)
