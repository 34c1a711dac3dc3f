"""The real `careerbot run` process in a group chat on the Bot API emulator, two members.

The bot is added to the group, Ana asks with /ask, Bob chats and asks for /help, /group is
below its threshold, /assess only offers a link to the private chat, an inline query is
answered, and Bob leaving drops his membership. The bot joining, the inline query and the
member leaving are raw updates injected through the emulator's /injectUpdate route.

What the emulator cannot show:
- privacy mode: it delivers every group message to the bot, so the bot's silence on chatter
  is its own doing here (with Telegram it would not even see it);
- a deep link being followed: t.me URLs are not opened, only their /start payload is checked;
- an inline result being chosen and posted (via_bot messages, chosen_inline_result) or how
  Telegram shows the results, their cache, or its deadline for answering;
- Telegram's own rules for chat_member updates (sent only to admin bots) and real rate limits
  or 429 answers.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.botprocess import STEP_TIMEOUT
from tests.e2e.emulator import BOT_ID, BOT_USERNAME, ChatMessage, UserClient

pytestmark = pytest.mark.e2e

GROUP_ID = -100555
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Test First name", "username": BOT_USERNAME}


def links(message: ChatMessage) -> list[str]:
    rows = (message.raw.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["url"] for row in rows for b in row if b.get("url")]


def start_payload(url: str) -> str:
    parsed = urlparse(url)
    assert (parsed.netloc, parsed.path) == ("t.me", f"/{BOT_USERNAME}"), url
    return parse_qs(parsed.query)["start"][0]


def next_answer(member: UserClient, after: int) -> ChatMessage:
    return member.wait_for_bot_message(after=after, timeout=STEP_TIMEOUT)


def member_change(chat: dict, who: dict, old: str, new: str, by: dict) -> dict:
    return {
        "chat": chat,
        "from": by,
        "date": int(time.time()),
        "old_chat_member": {"status": old, "user": who},
        "new_chat_member": {"status": new, "user": who},
    }


def rows(db: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_group_conversation_inline_query_and_a_member_leaving(emulator, bot, tmp_path, kb):
    bot.start()
    db = tmp_path / "careerbot.sqlite3"
    group = emulator.group_chat(chat_id=GROUP_ID, title="First5 North")
    ana = group.member(1001, "Ana")
    bob = group.member(1002, "Bob")

    # The bot is added: it greets the group and remembers it.
    ana.inject_update(
        {"my_chat_member": member_change(group.chat, BOT, "left", "member", ana.user)}
    )
    greeting = ana.wait_for_bot_message(timeout=STEP_TIMEOUT)
    assert "/ask" in greeting.text and "NHS England's" in greeting.text
    assert rows(db, "select title, bot_member from group_chats where id = ?", GROUP_ID) == [
        ("First5 North", 1)
    ]

    # /ask in the group: answered as a reply, with the framework's own words.
    asked = ana.send_command("/ask infection control strategic")
    answer = next_answer(ana, greeting.message_id)
    risk = next(d for d in kb.competency.domains if d.name == "Risk Management")
    strategic = next(r for r in risk.ranges if r.name == "Infection control").strategic
    assert strategic in answer.text
    assert answer.raw["reply_to_message"]["message_id"] == asked
    assert [start_payload(u) for u in links(answer)] == ["plan"]

    # Chatter and another bot's command get nothing; Bob's /help after them is answered.
    bob.send_text("hello all, anyone have a rota template?")
    bob.send_command("/ask@otherbot rotas")
    bob.send_command("/help")
    help_ = next_answer(bob, answer.message_id)
    assert help_.text.startswith("I answer questions about")
    assert [m.message_id for m in group.messages() if m.from_bot][-2:] == [
        answer.message_id,
        help_.message_id,
    ]

    # /group below the threshold: a count and the private opt-in link, nothing personal.
    bob.send_command("/group")
    picture = next_answer(bob, help_.message_id)
    assert "(0 so far)" in picture.text
    assert [start_payload(u) for u in links(picture)] == [f"g{GROUP_ID}"]
    assert picture.keyboard == [[(picture.keyboard[0][0][0], None)]]  # a URL button only

    # /assess in the group: only a URL button to the private chat.
    ana.send_command("/assess")
    private_only = next_answer(ana, picture.message_id)
    assert "private chat" in private_only.text
    assert [data for _, data in private_only.buttons] == [None]
    assert [start_payload(u) for u in links(private_only)] == ["assess"]
    assert rows(db, "select count(*) from conversations") == [(0,)]

    # An inline query (typed anywhere): the range and level first, with a deep link.
    ana.inline_query("infection control strategic")
    (inline,) = ana.wait_for(
        lambda: emulator.bot_actions(method="answerInlineQuery"), timeout=STEP_TIMEOUT
    )
    first = inline["results"][0]
    assert first["title"] == "Infection control - Strategic"
    assert strategic in first["input_message_content"]["message_text"]
    assert inline["cache_time"] and inline["cache_time"] > 0
    assert inline["button"]["start_parameter"]
    (link,) = [b["url"] for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert start_payload(link) == "plan"

    # Bob leaves: his membership (and any opt-ins) for this group go.
    members = "select user_id from group_members where chat_id = ? order by user_id"
    assert rows(db, members, GROUP_ID) == [(1001,), (1002,)]
    bob.inject_update(
        {"chat_member": member_change(group.chat, bob.user, "member", "left", bob.user)}
    )
    ana.wait_for(lambda: rows(db, members, GROUP_ID) == [(1001,)], timeout=STEP_TIMEOUT)
    assert emulator.stats()["dropped_updates"] == []

    bot_messages = [m for m in group.messages() if m.from_bot]
    assert len(bot_messages) == 5  # greeting, answer, help, picture, private-only link
    assert bot.stop() == 0
    output = bot.output()
    assert emulator.token not in output
    assert "error while handling" not in output, output
