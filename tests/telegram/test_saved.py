"""A crash between storing an assessment and answering: the next tap on the old targets
message, or /start, says what was saved instead of "That button has expired"."""

from __future__ import annotations

from datetime import date

import pytest

from bot.telegram.app import build_application
from bot.telegram.handlers import FAILED
from tests.flowdriver import LEVELS
from tests.telegram.recording import methods, strip_html
from tests.telegram.test_journey import onboard
from tests.telegram.updates import TgUser, bot_settings, query_db, started


def killed(*args, **kwargs):
    raise RuntimeError("the process died here")


@pytest.fixture
async def saved_unanswered(sqlite_url, rec, monkeypatch) -> tuple[int, str]:
    """The assessment is stored, then the bot dies drawing the chart, before answering: the
    targets are still on screen. Returns that message's id and the day it was saved."""
    async with started(build_application(bot_settings(sqlite_url), request=rec)) as first:
        alice = TgUser(first, rec)
        m = await onboard(alice)
        await alice.press("Start self-assessment", m)
        for level in LEVELS:
            await alice.press(level, m)
        await alice.press("No thanks", m)
        with monkeypatch.context() as patch:
            patch.setattr("bot.appraisal.chart.render_radar", killed)
            calls = await alice.press("Accept these targets", m)
    assert "editMessageText" not in methods(calls) and calls[-1].text == FAILED
    assert strip_html(rec.message(1001, m)["text"]).startswith("Targets")
    ((completed,),) = query_db(sqlite_url, "select completed_at from assessments")
    day = date.fromisoformat(str(completed)[:10])
    return m, f"{day.day} {day:%B %Y}"


async def test_the_old_accept_button_says_the_assessment_is_saved(
    saved_unanswered, sqlite_url, rec
):
    m, day = saved_unanswered
    async with started(build_application(bot_settings(sqlite_url), request=rec)) as second:
        calls = await TgUser(second, rec).press("Accept these targets", m)
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"], calls
    assert calls[0].params["text"] == f"Your assessment of {day} is saved."
    shown = strip_html(calls[1].text)
    assert shown.startswith("Saved") and f"Your assessment of {day} is saved: 9 of 9" in shown
    assert "expired" not in shown
    assert ("See my plan", "go:plan") in calls[1].buttons
    assert query_db(sqlite_url, "select count(*) from assessments") == [(1,)]


async def test_start_after_the_crash_says_the_assessment_is_saved_once(
    saved_unanswered, sqlite_url, rec
):
    _, day = saved_unanswered
    async with started(build_application(bot_settings(sqlite_url), request=rec)) as second:
        alice = TgUser(second, rec)
        (said,) = await alice.command("/start")
        assert f"Your assessment of {day} is saved" in strip_html(said.text)
        (menu,) = await alice.command("/start")
        assert "is saved" not in strip_html(menu.text)
