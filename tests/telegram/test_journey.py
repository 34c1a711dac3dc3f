"""Whole journeys through the Telegram Application: real updates in, exact Bot API calls out."""

from __future__ import annotations

import json

from telegram import BotCommandScopeAllPrivateChats

from bot.flows.router import EXPIRED
from bot.telegram.app import PRIVATE_COMMANDS, build_application
from bot.telegram.notices import NoticeThrottle
from tests.flowdriver import LEVELS
from tests.telegram.recording import Call, methods, strip_html
from tests.telegram.updates import TgUser, bot_settings, query_db, started

DOMAIN_RATINGS = "select count(*) from ratings where range_id = ''"


def assert_edited(
    calls: list[Call], message_id: int, title: str, then: tuple[str, ...] = ()
) -> Call:
    """The tap was answered (no notice) and message `message_id` edited to show `title`.

    `then` names the calls expected after the edit (e.g. a chart sent as a photo).
    """
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", *then], calls
    answer, edit = calls[:2]
    assert answer.ok and "text" not in answer.params
    assert edit.ok, edit.error
    assert (edit.chat_id, edit.message_id) == (1001, message_id)
    assert edit.params["parse_mode"] == "HTML"
    assert edit.text.startswith(f"<b>{title}</b>"), edit.text
    return edit


async def onboard(alice: TgUser) -> int:
    """/start to "All set"; returns the id of the one message all of it happened in."""
    (welcome,) = await alice.command("/start")
    message_id = welcome.message_id
    steps = [
        ("OK, let's start", "Your role"),
        ("Practice manager", "Career stage"),
        ("Early", "Career directions"),
        ("Moving up", "Career directions"),
        ("Done", "All set"),
    ]
    for label, title in steps:
        assert_edited(await alice.press(label), message_id, title)
    return message_id


async def test_start_to_plan_by_buttons_in_one_message(alice, rec, sqlite_url):
    calls = await alice.command("/start")
    assert methods(calls) == ["sendMessage"]
    (welcome,) = calls
    assert welcome.chat_id == 1001 and welcome.params["parse_mode"] == "HTML"
    assert welcome.text.startswith("<b>Welcome to careerbot</b>\n\n")
    assert "/forget" in welcome.text
    (label, data), *_ = welcome.buttons
    assert label == "OK, let's start" and data.startswith("welcome:") and data.endswith(":ok")
    m = welcome.message_id

    assert_edited(await alice.press("OK, let's start"), m, "Your role")
    assert_edited(await alice.press("Practice manager"), m, "Career stage")
    edit = assert_edited(await alice.press("Early"), m, "Career directions")
    assert "▫️ Moving up" in [b for b, _ in edit.buttons]
    edit = assert_edited(await alice.press("Moving up"), m, "Career directions")
    assert "✅ Moving up" in [b for b, _ in edit.buttons]
    edit = assert_edited(await alice.press("Done"), m, "All set")
    assert ("Start self-assessment", "go:assess") in edit.buttons

    edit = assert_edited(await alice.press("Start self-assessment"), m, "Self-assessment · 1/9")
    assert "Practice Operation and Development" in edit.text
    for n, level in enumerate(LEVELS, start=2):
        title = f"Self-assessment · {n}/9" if n <= 9 else "Self-assessment · ranges"
        assert_edited(await alice.press(level, m), m, title)
    assert_edited(await alice.press("No thanks"), m, "Targets")
    calls = await alice.press("Accept these targets")
    edit = assert_edited(calls, m, "Done", then=("sendPhoto",))
    assert "9 of 9 domains rated" in strip_html(edit.text)
    chart = calls[2]
    assert chart.chat_id == 1001 and chart.files["photo"].content.startswith(b"\x89PNG")
    assert ("See my plan", "go:plan") in edit.buttons

    calls = await alice.press("See my plan")
    assert calls[0].method == "answerCallbackQuery" and "editMessageText" not in methods(calls)
    first, second, third = [c for c in calls if c.method == "sendMessage"]  # new, in order
    assert first.text.startswith("<b>Your development plan</b>") and first.keyboard == []
    assert second.text.startswith("<b>Support from the career framework</b>")
    assert ("Re-assess", "go:assess") in second.buttons
    assert third.text.startswith("<b>Your objectives</b>")
    assert ("Set an objective", "go:objective") in third.buttons
    assert m < first.message_id < second.message_id < third.message_id
    (photo,) = [c for c in calls if c.method == "sendPhoto"]  # the profile chart, with /plan
    assert (
        photo.files["photo"].content.startswith(b"\x89PNG") and "Finance" in photo.params["caption"]
    )

    # The whole of onboarding and the assessment happened in the first message.
    sent = [c for c in rec.of("sendMessage")]
    assert sent[0].message_id == m and all(c.message_id > m for c in sent[1:])
    assert {c.message_id for c in rec.of("editMessageText")} == {m}
    assert all(c.ok for c in rec.calls), [c for c in rec.calls if not c.ok]
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(9,)]
    assert query_db(
        sqlite_url, "select count(*) from assessments where completed_at is not null"
    ) == [(1,)]


async def test_start_up_migrates_and_sets_the_commands(app, rec, sqlite_url):
    (private,) = [
        c
        for c in rec.of("setMyCommands")
        if c.params.get("scope") == BotCommandScopeAllPrivateChats().to_dict()
    ]
    assert private.params["commands"] == [c.to_dict() for c in PRIVATE_COMMANDS]
    assert {"command": "forget", "description": "Delete everything I store about you"} in (
        private.params["commands"]
    )
    assert query_db(sqlite_url, "select count(*) from alembic_version") == [(1,)]
    assert app.bot_data["runtime"].lookup is not None  # loaded once, at start-up
    assert app.bot.username == rec.bot_user["username"]


async def test_tap_on_an_old_message_says_expired_on_the_button_only(alice, rec, sqlite_url):
    m = await onboard(alice)
    await alice.press("Start self-assessment")
    await alice.press("Managerial", m)  # message m now asks 2/9
    old_keyboard = rec.message(1001, m)["reply_markup"]
    (resume,) = await alice.command("/start")  # a new message; the conversation moves on
    assert strip_html(resume.text).startswith("Welcome back")

    calls = await alice.press("Strategic", m)  # a button on the old message
    assert methods(calls) == ["answerCallbackQuery"], calls  # no new message
    assert calls[0].params["text"] == EXPIRED
    assert rec.message(1001, m)["reply_markup"] == old_keyboard  # the old message is untouched
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(1,)]

    # Continue from the current message: the assessment goes on at 2/9.
    calls = await alice.press("Continue", resume.message_id)
    assert_edited(calls, resume.message_id, "Self-assessment · 2/9")


async def test_forged_taps_are_answered_with_a_notice_and_store_nothing(
    app, alice, rec, sqlite_url
):
    app.bot_data["notices"] = NoticeThrottle(quiet=0)  # every notice shown (none held back)
    m = await onboard(alice)
    await alice.press("Start self-assessment")
    await alice.press("Managerial", m)
    version = query_db(sqlite_url, "select version from conversations")
    _, data = alice.find_button("Strategic", m)
    step, current_version, _ = data.split(":")

    for forged in ["garbage", "💥", "rate:1:" + "x" * 80, "k:" + "z" * 60, "go:rm -rf"]:
        calls = await alice.tap_data(forged, m)
        assert methods(calls) == ["answerCallbackQuery"], (forged, calls)
        assert calls[0].params["text"] == "Sorry, I don't recognise that button."

    calls = await alice.tap_data(f"{step}:{current_version}:9", m)  # right step, no such level
    assert calls[0].method == "answerCallbackQuery"
    assert calls[0].params["text"] == "That button is not valid here."
    assert "editMessageText" not in methods(calls)
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(1,)]
    assert query_db(sqlite_url, "select version from conversations") == version


async def test_export_sends_a_json_document(alice, rec):
    m = await onboard(alice)
    await alice.press("Start self-assessment")
    await alice.press("Strategic", m)
    calls = await alice.command("/export")
    # then, the first time, how to print the name and practice on the PDF
    assert methods(calls) == ["sendMessage", "sendDocument", "sendDocument", "sendMessage"], calls
    assert strip_html(calls[3].text).startswith("Your appraisal PDF")
    pdf = calls[2].files["document"]  # the development plan, for appraisal
    assert pdf.filename == "development-plan.pdf" and pdf.content.startswith(b"%PDF")
    note, document = calls[:2]
    assert note.chat_id == document.chat_id == 1001
    assert strip_html(note.text).startswith("Here is everything I store about you")
    upload = document.files["document"]
    assert upload.filename == "careerbot-export.json"
    assert document.params["caption"] == "Everything careerbot stores about you."
    data = json.loads(upload.content)
    assert '"strategic"' in json.dumps(data)
    assert rec.message(1001, document.message_id)["document"]["file_name"] == upload.filename


async def test_forget_deletes_everything_in_place(alice, rec, sqlite_url):
    m = await onboard(alice)
    await alice.press("Start self-assessment")
    await alice.press("Managerial", m)
    (confirm,) = await alice.command("/forget")
    assert confirm.text.startswith("<b>Delete all your data?</b>")
    edit = assert_edited(
        await alice.press("Yes, delete everything"), confirm.message_id, "Forgotten"
    )
    assert "Deleted everything" in edit.text and "/start" in edit.text
    assert query_db(sqlite_url, "select count(*) from users") == [(0,)]
    assert query_db(sqlite_url, "select count(*) from ratings") == [(0,)]
    (welcome,) = await alice.command("/start")
    assert welcome.text.startswith("<b>Welcome to careerbot</b>")


async def test_a_restart_between_two_taps_loses_nothing(sqlite_url, rec):
    """The bot stops after one rating; a new Application on the same database takes the next."""
    settings = bot_settings(sqlite_url)
    async with started(build_application(settings, request=rec)) as first:
        alice = TgUser(first, rec)
        m = await onboard(alice)
        await alice.press("Start self-assessment")
        await alice.press("Managerial", m)
    async with started(build_application(settings, request=rec)) as second:
        alice = TgUser(second, rec)
        assert_edited(await alice.press("Strategic", m), m, "Self-assessment · 3/9")
        for level in LEVELS[2:]:
            await alice.press(level, m)
        await alice.press("No thanks", m)
        await alice.press("Accept these targets", m)
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(9,)]
    levels = query_db(sqlite_url, "select domain_id, level from ratings where range_id = ''")
    assert ("risk-management", "strategic") in levels


async def test_knowledge_and_lookup_index_are_loaded_once(sqlite_url, rec, monkeypatch):
    import bot.runtime

    loads = {"knowledge": 0, "lookup": 0}
    real_load, real_engine = bot.runtime.load_knowledge, bot.runtime.LookupEngine

    def load_knowledge(*args, **kwargs):
        loads["knowledge"] += 1
        return real_load(*args, **kwargs)

    def lookup_engine(*args, **kwargs):
        loads["lookup"] += 1
        return real_engine(*args, **kwargs)

    monkeypatch.setattr(bot.runtime, "load_knowledge", load_knowledge)
    monkeypatch.setattr(bot.runtime, "LookupEngine", lookup_engine)
    async with started(build_application(bot_settings(sqlite_url), request=rec)) as app:
        assert loads == {"knowledge": 1, "lookup": 1}
        alice = TgUser(app, rec)
        await alice.command("/start")
        await alice.send("what does strategic mean for complaints")
        await alice.send("finance managerial")
        await alice.press("OK, let's start")
    assert loads == {"knowledge": 1, "lookup": 1}
