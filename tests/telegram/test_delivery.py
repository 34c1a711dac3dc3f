"""Delivery through the Application: rendering, splitting, escaping, edits and Bot API faults."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy.exc import OperationalError

from bot.conversations import Reply
from bot.flows.views import MAX_TEXT, Button, View
from bot.telegram.handlers import DB_DOWN, EDITED_HINT, FAILED, NON_TEXT_HINT
from bot.telegram.render import messages, split_text
from tests.telegram import updates
from tests.telegram.recording import (
    EDIT_NOT_FOUND,
    FORBIDDEN,
    NETWORK,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    methods,
    parse_html,
    too_many,
)
from tests.telegram.updates import TOKEN, TgUser, query_db

SAVED = "answers so far are saved"


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


class StubConversations:
    """Answers every event with one fixed reply (to deliver views the flows do not make)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.events: list = []

    async def handle(self, user, event) -> Reply:
        self.events.append(event)
        return self.reply


def long_view(replace: bool = False) -> View:
    """Three paragraphs of 3000, 2000 and 1500 characters, heavy with HTML specials."""
    chunk = "a<b & c>d "  # 10 characters, 22 once escaped

    def paragraph(n: int) -> str:
        return (chunk * (n // 10))[: n - 1] + "."

    body = "\n\n".join([paragraph(3000), paragraph(2000), paragraph(1500)])
    buttons = ((Button("Next", "go:help"), Button("Link", url="https://example.org/")),)
    return View(body, title="Long & <loud>", buttons=buttons, replace=replace)


# -- rendering ---------------------------------------------------------------------------
def test_html_special_characters_are_escaped():
    (message,) = messages(View('if a < b && c > d then "x"', title="Q&A <1>"))
    assert message.html == '<b>Q&amp;A &lt;1&gt;</b>\n\nif a &lt; b &amp;&amp; c &gt; d then "x"'
    assert parse_html(message.html) == 'Q&A <1>\n\nif a < b && c > d then "x"'


def test_split_keeps_paragraphs_whole_and_fits_the_limit():
    view = long_view()
    parts = messages(view)
    texts = [parse_html(p.html) for p in parts]
    assert [len(t) for t in texts] == [len("Long & <loud>\n\n") + 3000, 2000 + 2 + 1500]
    assert all(len(t) <= MAX_TEXT for t in texts)
    assert "\n\n".join(texts) == view.plain_text  # cut only at paragraph boundaries
    assert [p.keyboard is not None for p in parts] == [False, True]
    assert parts[0].html.startswith("<b>Long &amp; &lt;loud&gt;</b>\n\n")


def test_split_of_one_huge_paragraph_cuts_at_lines_then_anywhere():
    lines = "\n".join(["x" * 99] * 60)  # 5999 characters in 60 lines
    parts = split_text(lines)
    assert [len(p) for p in parts] == [3999, 1999]  # 40 lines, then 20
    assert all(len(p) <= MAX_TEXT for p in parts)
    assert "\n".join(parts) == lines
    solid = "y" * 9000
    assert [len(p) for p in split_text(solid)] == [4096, 4096, 808]


# -- through the Application --------------------------------------------------------------
async def test_long_answer_is_split_with_the_keyboard_on_the_last_part(app, alice):
    app.bot_data["conversations"] = StubConversations(Reply((long_view(),)))
    calls = await alice.send("tell me everything")
    assert methods(calls) == ["sendMessage", "sendMessage"], calls
    assert all(c.ok for c in calls), calls
    first, last = calls
    assert first.keyboard == []
    assert last.keyboard == [[("Next", "go:help"), ("Link", None)]]
    shown = [parse_html(c.text) for c in calls]
    assert all(len(s) <= MAX_TEXT for s in shown)
    assert "\n\n".join(shown) == long_view().plain_text
    assert last.message_id == first.message_id + 1


async def test_long_view_replacing_a_tapped_message_edits_then_continues(app, alice, rec):
    (welcome,) = await alice.command("/start")
    app.bot_data["conversations"] = StubConversations(Reply((long_view(replace=True),)))
    calls = await alice.press("OK, let's start")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
    edit, rest = calls[1], calls[2]
    assert edit.message_id == welcome.message_id and edit.keyboard == []
    assert rest.buttons == [("Next", "go:help"), ("Link", None)]
    assert "reply_markup" not in rec.message(1001, welcome.message_id)


async def test_text_from_users_is_escaped_for_html(alice):
    weird = TgUser(alice.app, alice.request, user_id=1002, first_name='Tom <&> "Jerry"')
    await weird.command("/start")
    await weird.press("OK, let's start")
    (resume,) = await weird.command("/start")
    assert resume.ok, resume.error
    assert 'Welcome back, Tom &lt;&amp;&gt; "Jerry".' in resume.text
    assert 'Welcome back, Tom <&> "Jerry".' in parse_html(resume.text)

    # a command Telegram marks as /x, followed by characters that are markup in HTML
    (unknown,) = await weird.feed(updates.command("/x<b>&amp;", weird.user))
    assert unknown.ok, unknown.error
    assert "/x<b>&amp;" in parse_html(unknown.text)


async def test_message_not_modified_is_not_an_error(alice, rec, caplog):
    caplog.set_level(logging.INFO)
    await alice.command("/start")
    rec.fail("editMessageText", NOT_MODIFIED)
    calls = await alice.press("OK, let's start")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"], calls
    assert calls[1].error == NOT_MODIFIED.description
    assert errors(caplog) == []


async def test_message_to_edit_not_found_falls_back_to_a_new_message(alice, rec):
    (welcome,) = await alice.command("/start")
    rec.fail("editMessageText", EDIT_NOT_FOUND)
    calls = await alice.press("OK, let's start")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
    failed, sent = calls[1], calls[2]
    assert not failed.ok and sent.ok
    assert sent.text == failed.text and sent.keyboard == failed.keyboard
    assert sent.text.startswith("<b>Your role</b>")
    assert sent.message_id > welcome.message_id
    await alice.press("Practice manager", sent.message_id)  # the new message carries on


async def test_tap_on_an_inaccessible_message_is_handled(alice, rec, caplog):
    """Telegram sends messages older than 48 hours as inaccessible (date 0, no content).

    The edit is still tried (bots may edit their old messages in private chats); if Telegram
    refuses it, the view comes as a new message.
    """
    caplog.set_level(logging.INFO)
    (welcome,) = await alice.command("/start")
    old = updates.inaccessible(rec.message(1001, welcome.message_id))
    calls = await alice.feed(updates.callback(welcome.buttons[0][1], old, alice.user))
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"], calls
    assert calls[1].ok and calls[1].text.startswith("<b>Your role</b>")

    rec.fail("editMessageText", EDIT_NOT_FOUND)
    old = updates.inaccessible(rec.message(1001, welcome.message_id))
    data = alice.find_button("Practice manager")[1]
    calls = await alice.feed(updates.callback(data, old, alice.user))
    assert methods(calls) == ["answerCallbackQuery", "editMessageText", "sendMessage"], calls
    assert calls[2].text.startswith("<b>Career stage</b>")
    assert errors(caplog) == []


async def test_callback_without_a_chat_is_still_answered(alice):
    """A button on an inline-mode message has no chat: answer the tap, do nothing else."""
    calls = await alice.feed(
        updates.callback("go:help", None, alice.user, inline_message_id="inl1")
    )
    assert methods(calls)[:1] == ["answerCallbackQuery"], calls
    assert "sendMessage" not in methods(calls)


async def test_a_tap_answered_too_late_is_still_delivered(alice, rec, caplog):
    """After a restart the query may be too old to answer; the edit must still happen."""
    caplog.set_level(logging.INFO)
    (welcome,) = await alice.command("/start")
    rec.fail("answerCallbackQuery", QUERY_TOO_OLD)
    calls = await alice.press("OK, let's start")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"], calls
    assert calls[1].ok and calls[1].message_id == welcome.message_id
    assert errors(caplog) == []


async def test_flood_limit_is_waited_out_and_retried(alice, rec):
    rec.fail("sendMessage", too_many(retry_after=1))
    started_at = time.monotonic()
    calls = await alice.command("/help")
    assert methods(calls) == ["sendMessage", "sendMessage"], calls
    assert not calls[0].ok and calls[1].ok
    assert calls[0].text == calls[1].text
    assert time.monotonic() - started_at >= 1


async def test_blocked_by_the_user_is_logged_and_nothing_raises(alice, rec, caplog):
    caplog.set_level(logging.INFO)
    rec.fail("sendMessage", FORBIDDEN, times=2)
    calls = await alice.command("/help")  # process_update would raise if the handler did
    assert methods(calls) == ["sendMessage", "sendMessage"]
    assert not any(c.ok for c in calls)
    assert any("message update" in r.getMessage() for r in errors(caplog))


async def test_network_error_tells_the_user_their_answers_are_saved(alice, rec, caplog):
    caplog.set_level(logging.INFO)
    rec.fail("sendMessage", NETWORK)
    calls = await alice.command("/help")
    assert methods(calls) == ["sendMessage", "sendMessage"], calls
    assert calls[1].ok and calls[1].text == FAILED and SAVED in FAILED


@pytest.mark.parametrize(
    "build",
    [
        updates.sticker,
        updates.voice,
        updates.location,
    ],
    ids=["sticker", "voice", "location"],  # photos and documents: tests/telegram/test_evidence.py
)
async def test_non_text_messages_get_a_one_line_hint(alice, sqlite_url, caplog, build):
    caplog.set_level(logging.INFO)
    calls = await alice.feed(build(alice.user))
    assert [(c.method, c.chat_id, c.text) for c in calls] == [("sendMessage", 1001, NON_TEXT_HINT)]
    assert "\n" not in NON_TEXT_HINT
    assert errors(caplog) == []
    assert query_db(sqlite_url, "select count(*) from conversations") == [(0,)]


async def test_edited_messages_get_a_one_line_hint(alice, sqlite_url, caplog):
    caplog.set_level(logging.INFO)
    await alice.send("what does managerial mean for complaints")
    versions = query_db(sqlite_url, "select version from conversations")
    calls = await alice.feed(updates.edited_message("what does strategic mean", alice.user))
    assert [(c.method, c.chat_id, c.text) for c in calls] == [("sendMessage", 1001, EDITED_HINT)]
    assert "\n" not in EDITED_HINT
    assert errors(caplog) == []
    assert query_db(sqlite_url, "select version from conversations") == versions


async def test_command_for_another_bot_is_ignored(alice, rec):
    assert await alice.command("/help@SomeOtherBot") == []
    calls = await alice.command(f"/help@{rec.bot_user['username']}")
    assert methods(calls) == ["sendMessage"] and calls[0].text.startswith("<b>Help</b>")


async def test_an_exception_in_a_handler_is_logged_by_kind_and_the_user_told(
    app, alice, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    secret_question = "my private question about my manager's disciplinary"

    async def boom(user, event):
        raise RuntimeError("the flows fell over")

    monkeypatch.setattr(app.bot_data["conversations"], "handle", boom)
    calls = await alice.send(secret_question)
    assert [(c.method, c.chat_id, c.text) for c in calls] == [("sendMessage", 1001, FAILED)]
    assert SAVED in FAILED
    (record,) = errors(caplog)
    assert record.getMessage() == "error while handling a message update"
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    assert TOKEN not in caplog.text and secret_question not in caplog.text


async def test_an_exception_on_a_tap_answers_it_and_tells_the_user(app, alice, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    await alice.command("/start")

    async def boom(user, event):
        raise RuntimeError("the flows fell over")

    monkeypatch.setattr(app.bot_data["conversations"], "handle", boom)
    calls = await alice.press("OK, let's start")
    assert methods(calls) == ["answerCallbackQuery", "sendMessage"], calls
    assert calls[1].text == FAILED
    assert [r.getMessage() for r in errors(caplog)] == [
        "error while handling a callback_query update"
    ]
    assert TOKEN not in caplog.text


async def test_database_down_says_so_and_that_answers_are_saved(app, alice, monkeypatch):
    async def down(user, event):
        raise OperationalError("select 1", {}, Exception("could not connect to server"))

    monkeypatch.setattr(app.bot_data["conversations"], "handle", down)
    (reply,) = await alice.send("hello")
    assert reply.text == DB_DOWN and SAVED in DB_DOWN
