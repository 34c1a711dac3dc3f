"""Peer-group chats through the Application: real group updates in, Bot API calls out.

Privacy mode is on in real groups, so Telegram only delivers commands, replies to the bot and
membership changes; these tests send plain chatter too, and the bot must stay quiet anyway.
Nobody's ratings, stage or name reach a group unless they opted in, privately, per group.
"""

from __future__ import annotations

import itertools
import time
from urllib.parse import parse_qs, urlparse

import pytest

from bot.flows.groups import HIDDEN, MIN_SHARED
from tests.flowdriver import STRATEGIC_IN_FINANCE
from tests.telegram.recording import BOT_USER, BOT_USERNAME, Call, RecordingRequest, strip_html
from tests.telegram.updates import (
    TgUser,
    as_update,
    callback,
    command,
    query_db,
    sticker,
    text_message,
    user,
)

GROUP = {"id": -100123, "type": "group", "title": "First5 North"}
SUPERGROUP = {"id": -1001234567890, "type": "supergroup", "title": "PM network"}
ANA, BOB, CAROL = 2001, 2002, 2003
# Nine domains in order; Finance (the fifth) rated Strategic.
ALL_MANAGERIAL = ["Managerial"] * 9
# What would give away someone's self-assessment or stage in a group message.
PERSONAL_WORDS = ["Not yet", "Administrative", "Managerial", "Strategic", "Early", "Strat", "Mgr"]

_update_ids = itertools.count(800_000)


@pytest.fixture
def rate_limited() -> bool:
    return False


class Member:
    """One person writing in a group chat (and, as `private`, in their chat with the bot)."""

    def __init__(self, app, rec: RecordingRequest, user_id: int, name: str, chat=GROUP) -> None:
        self.app, self.rec, self.chat = app, rec, chat
        self.user = user(user_id, name)
        self.private = TgUser(app, rec, user_id=user_id, first_name=name)

    async def feed(self, data: dict) -> list[Call]:
        mark = self.rec.mark()
        await self.app.process_update(as_update(data, self.app.bot))
        return self.rec.since(mark)

    async def command(self, text: str) -> list[Call]:
        return await self.feed(command(text, self.user, self.chat))

    async def say(self, text: str, reply_to: dict | None = None) -> list[Call]:
        data = text_message(text, self.user, self.chat)
        if reply_to is not None:
            data["message"]["reply_to_message"] = reply_to
        return await self.feed(data)

    async def leave(self) -> list[Call]:
        return await self.feed(membership("chat_member", self.chat, self.user, "member", "left"))


def membership(kind: str, chat: dict, who: dict, old: str, new: str, by: dict | None = None):
    """A chat_member / my_chat_member update: `who` went from status `old` to `new`."""

    def member(status: str) -> dict:
        extra = {"until_date": 0} if status == "kicked" else {}
        return {"status": status, "user": who, **extra}

    return {
        "update_id": next(_update_ids),
        kind: {
            "chat": chat,
            "from": by or who,
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    }


def bot_message(rec: RecordingRequest, call: Call) -> dict:
    """The bot's message as Telegram would attach it to a reply (no internal fields)."""
    message = rec.message(call.chat_id, call.message_id)
    return {k: v for k, v in message.items() if not k.startswith("_")}


def shown(rec: RecordingRequest, call: Call) -> str:
    """The text as the group sees it."""
    return rec.message(call.chat_id, call.message_id)["text"]


def urls(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["url"] for row in rows for b in row if b.get("url")]


def start_payload(url: str) -> str:
    parsed = urlparse(url)
    assert (parsed.netloc, parsed.path) == ("t.me", f"/{BOT_USERNAME}")
    return parse_qs(parsed.query)["start"][0]


def group_messages(rec: RecordingRequest, chat: dict = GROUP) -> list[Call]:
    return [c for c in rec.of("sendMessage") if c.chat_id == chat["id"]]


async def assessed(member: Member, levels: list[str]) -> None:
    """Onboarding and a completed self-assessment, all in the member's private chat."""
    (welcome,) = await member.private.command("/start")
    m = welcome.message_id
    labels = ["OK, let's start", "Practice manager", "Early", "Moving up", "Done"]
    for label in [*labels, "Start self-assessment", *levels, "No thanks", "Accept these targets"]:
        calls = await member.private.press(label, m)
        assert all(c.ok for c in calls), calls


async def opt_in(member: Member, *labels: str) -> str:
    """/start g<chat> in private (as the group's button does), toggle `labels`, Save."""
    calls = await member.command("/group")
    (link,) = urls(calls[-1])
    payload = start_payload(link)
    assert payload == f"g{member.chat['id']}"
    (optins,) = await member.private.command(f"/start {payload}")
    assert strip_html(optins.text).startswith("Group opt-ins")
    for label in labels:
        await member.private.press(label, optins.message_id)
    (save, edit) = await member.private.press("Save", optins.message_id)
    assert edit.method == "editMessageText" and "Saved" in edit.text, edit
    return strip_html(edit.text)


# -- commands: answered when addressed to this bot, ignored otherwise -----------------------


@pytest.mark.parametrize("chat", [GROUP, SUPERGROUP], ids=["group", "supergroup"])
@pytest.mark.parametrize("suffix", ["", f"@{BOT_USERNAME}"], ids=["plain", "with-username"])
async def test_ask_in_a_group_is_answered_as_a_reply(app, rec, kb, chat, suffix):
    bob = Member(app, rec, BOB, "Bob", chat)
    data = command(f"/ask{suffix} infection control strategic", bob.user, chat)
    calls = await bob.feed(data)
    assert [c.method for c in calls] == ["sendMessage"], calls
    (answer,) = calls
    assert answer.ok and answer.chat_id == chat["id"]
    assert answer.params["reply_parameters"]["message_id"] == data["message"]["message_id"]
    risk = next(d for d in kb.competency.domains if d.name == "Risk Management")
    strategic = next(r for r in risk.ranges if r.name == "Infection control").strategic
    assert strategic in shown(rec, answer)
    assert [start_payload(u) for u in urls(answer)] == ["plan"]


@pytest.mark.parametrize(
    "text", ["/ask@otherbot infection control", "/help@otherbot", "/assess@otherbot", "/group@x"]
)
async def test_commands_for_another_bot_are_ignored(app, rec, text):
    bob = Member(app, rec, BOB, "Bob")
    assert await bob.command(text) == []


async def test_plain_chatter_is_ignored_and_replies_to_the_bot_are_answered(app, rec):
    bob, carol = Member(app, rec, BOB, "Bob"), Member(app, rec, CAROL, "Carol")
    hello = text_message("hello all, who has a good rota template?", bob.user, GROUP)
    assert await bob.feed(hello) == []
    assert await carol.say("me!", reply_to=hello["message"]) == []  # a reply to Bob
    assert await carol.command("/weather") == []  # not one of the bot's commands
    group_sticker = sticker(carol.user)
    group_sticker["message"]["chat"] = GROUP
    assert await carol.feed(group_sticker) == []

    (answer,) = await bob.command("/ask complaints")
    calls = await carol.say("and at strategic level?", reply_to=bot_message(rec, answer))
    assert [c.method for c in calls] == ["sendMessage"], calls
    assert calls[0].chat_id == GROUP["id"] and calls[0].ok
    assert len(group_messages(rec)) == 2


async def test_a_candidate_button_in_a_group_answers_there_for_whoever_taps(app, rec, kb):
    bob, carol = Member(app, rec, BOB, "Bob"), Member(app, rec, CAROL, "Carol")
    (clarify,) = await bob.command("/ask resource negotiation")
    buttons = [(label, data) for label, data in clarify.buttons if data]
    assert len(buttons) >= 2, clarify.buttons
    label, data = next(b for b in buttons if "Population Care" in b[0])
    calls = await carol.feed(callback(data, bot_message(rec, clarify), carol.user))
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"], calls
    population = next(d for d in kb.competency.domains if d.name == "Population Care")
    managerial = next(r for r in population.ranges if r.name == "Resource negotiation").managerial
    assert calls[1].chat_id == GROUP["id"] and managerial in shown(rec, calls[1])


async def test_a_forged_lookup_button_in_a_group_posts_nothing(app, rec):
    bob, carol = Member(app, rec, BOB, "Bob"), Member(app, rec, CAROL, "Carol")
    (answer,) = await bob.command("/ask complaints")
    calls = await carol.feed(callback("k:zzz-not-an-item", bot_message(rec, answer), carol.user))
    assert [c.method for c in calls] == ["answerCallbackQuery"], calls
    assert calls[0].params["text"] == "Sorry, I don't recognise that button."


async def test_other_bots_are_not_answered_but_anonymous_admins_are(app, rec):
    other_bot = {"id": 5555, "is_bot": True, "first_name": "Helper", "username": "HelperBot"}
    assert (
        await Member(app, rec, BOB, "Bob").feed(command("/ask complaints", other_bot, GROUP)) == []
    )
    anonymous = {
        "id": 1087968824,
        "is_bot": True,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    }
    update = command("/ask complaints", anonymous, GROUP)
    update["message"]["sender_chat"] = GROUP
    (answer,) = await Member(app, rec, BOB, "Bob").feed(update)
    assert "Complaints" in shown(rec, answer)


async def test_help_in_a_group_reads_as_written(app, rec):
    bob = Member(app, rec, BOB, "Bob")
    (help_,) = await bob.command("/help")
    text = shown(rec, help_)
    assert "NHS England's career development framework" in text  # not &#x27;
    assert "&" not in text and "/mentors" in text


@pytest.mark.parametrize("name", ["assess", "plan"])
async def test_private_commands_in_a_group_only_offer_a_link_to_the_private_chat(
    app, rec, sqlite_url, name
):
    ana = Member(app, rec, ANA, "Ana")
    calls = await ana.command(f"/{name}")
    assert [c.method for c in calls] == ["sendMessage"], calls
    (reply,) = calls
    assert reply.chat_id == GROUP["id"]
    (link,) = urls(reply)
    assert [button for row in reply.keyboard for button in row] == [(reply.buttons[0][0], None)]
    assert start_payload(link) == name
    assert query_db(sqlite_url, "select count(*) from conversations") == [(0,)]

    # The link's /start payload lands in that flow in private (after onboarding).
    await assessed(ana, ALL_MANAGERIAL)
    calls = await ana.private.command(f"/start {name}")
    first = strip_html(calls[0].text)
    assert first.startswith("Self-assessment" if name == "assess" else "Your development plan")


# -- privacy: the group picture and mentors only from opt-ins ---------------------------------


async def test_nothing_personal_reaches_the_group_until_three_opt_in(app, rec):
    ana, bob, carol = (
        Member(app, rec, ANA, "Ana"),
        Member(app, rec, BOB, "Bob"),
        Member(app, rec, CAROL, "Carol"),
    )
    await assessed(ana, STRATEGIC_IN_FINANCE)
    await assessed(bob, ALL_MANAGERIAL)
    await assessed(carol, ALL_MANAGERIAL)
    for member in (ana, bob, carol):
        await member.command("/group")
        await member.command("/help")
        await member.command("/mentors finance")
        await member.command("/mentors")
    for call in group_messages(rec):
        text = shown(rec, call)
        assert not any(word in text for word in ["Ana", *PERSONAL_WORDS]), text

    assert "(0 so far)" in shown(rec, (await ana.command("/group"))[0])
    await opt_in(ana, "Share my levels")
    assert "(1 so far)" in shown(rec, (await bob.command("/group"))[0])
    await opt_in(bob, "Share my levels")
    (below,) = await carol.command("/group")
    assert f"at least {MIN_SHARED} members" in shown(rec, below)
    assert "(2 so far)" in shown(rec, below)
    await opt_in(carol)  # Carol saves without sharing: still two
    assert "(2 so far)" in shown(rec, (await carol.command("/group"))[0])
    for call in group_messages(rec):
        text = shown(rec, call)
        assert not any(word in text for word in ["Ana", "Bob", *PERSONAL_WORDS]), text

    await opt_in(carol, "Share my levels")
    (picture,) = await carol.command("/group")
    text = shown(rec, picture)
    assert "from 3 members who opted in" in text
    assert f"Finance: {HIDDEN}" in text  # two Managerial and a Strategic: too alike to show
    assert not any(name in text for name in ("Ana", "Bob", "Carol"))


async def test_mentors_listed_by_mention_and_withdrawal_is_immediate(app, rec):
    ana, bob = Member(app, rec, ANA, "Ana <PM>"), Member(app, rec, BOB, "Bob")
    await assessed(ana, STRATEGIC_IN_FINANCE)
    (none_yet,) = await bob.command("/mentors finance")
    assert "No one here has offered to mentor in Finance yet." in shown(rec, none_yet)
    (link,) = urls(none_yet)
    assert start_payload(link) == f"g{GROUP['id']}"

    assert "mentoring in 1 domain" in await opt_in(ana, "Mentor: Finance")
    mention = f'<a href="tg://user?id={ANA}">Ana &lt;PM&gt;</a>'
    for query in ("finance", "Finance", "5", "money"):
        (listed,) = await bob.command(f"/mentors {query}")
        assert listed.params["parse_mode"] == "HTML"
        assert listed.text == f"Mentors for Finance: {mention}", query
        assert shown(rec, listed) == "Mentors for Finance: Ana <PM>"
    (other,) = await bob.command("/mentors hr")
    assert shown(rec, other) == "No one here has offered to mentor in Human Resources yet."

    await opt_in(ana, "Mentor: Finance")  # toggled off again
    (after,) = await bob.command("/mentors finance")
    assert "tg://user" not in after.text and "Ana" not in shown(rec, after)


async def test_only_strategic_domains_can_be_offered(app, rec):
    carol = Member(app, rec, CAROL, "Carol")
    await assessed(carol, ALL_MANAGERIAL)
    await carol.command("/group")
    (optins,) = await carol.private.command(f"/start g{GROUP['id']}")
    assert not any("Mentor:" in label for label, _ in optins.buttons)
    assert "rate a domain Strategic" in strip_html(optins.text)


async def test_not_a_member_cannot_open_a_groups_opt_ins(app, rec):
    ana = Member(app, rec, ANA, "Ana")
    await assessed(ana, STRATEGIC_IN_FINANCE)
    (reply,) = await ana.private.command(f"/start g{GROUP['id']}")
    assert "don't know you as a member of that group" in strip_html(reply.text)


# -- membership changes ---------------------------------------------------------------------


async def test_a_member_leaving_drops_their_opt_ins_for_that_group(app, rec, sqlite_url):
    ana, bob = Member(app, rec, ANA, "Ana"), Member(app, rec, BOB, "Bob")
    other = Member(app, rec, ANA, "Ana", SUPERGROUP)
    await assessed(ana, STRATEGIC_IN_FINANCE)
    await opt_in(ana, "Share my levels", "Mentor: Finance")
    await opt_in(other, "Mentor: Finance")
    (listed,) = await bob.command("/mentors finance")
    assert f"tg://user?id={ANA}" in listed.text

    assert await ana.leave() == []  # nothing is said in the group
    (after,) = await bob.command("/mentors finance")
    assert "tg://user" not in after.text
    members = "select chat_id, share_profile from group_members where user_id = ?"
    assert query_db(sqlite_url, members, ANA) == [(SUPERGROUP["id"], 0)]  # the other group stays
    (elsewhere,) = await Member(app, rec, BOB, "Bob", SUPERGROUP).command("/mentors finance")
    assert f"tg://user?id={ANA}" in elsewhere.text


async def test_saving_opt_ins_after_leaving_does_not_rejoin(app, rec, sqlite_url):
    ana, bob = Member(app, rec, ANA, "Ana"), Member(app, rec, BOB, "Bob")
    await assessed(ana, STRATEGIC_IN_FINANCE)
    await ana.command("/group")
    (optins,) = await ana.private.command(f"/start g{GROUP['id']}")
    await ana.private.press("Mentor: Finance", optins.message_id)
    await ana.leave()  # while the opt-ins are open in private
    calls = await ana.private.press("Save", optins.message_id)
    assert "don't know you as a member" in strip_html(calls[-1].text)
    assert query_db(sqlite_url, "select count(*) from group_members") == [(0,)]
    (after,) = await bob.command("/mentors finance")
    assert "tg://user" not in after.text


async def test_the_bot_added_greets_and_stores_the_group_and_removed_says_nothing(
    app, rec, sqlite_url
):
    bob = user(BOB, "Bob")
    added = membership("my_chat_member", GROUP, BOT_USER, "left", "member", by=bob)
    mark = rec.mark()
    await app.process_update(as_update(added, app.bot))
    (greeting,) = rec.since(mark)
    assert greeting.method == "sendMessage" and greeting.chat_id == GROUP["id"]
    assert "/ask" in shown(rec, greeting) and "England's" in shown(rec, greeting)
    chats = "select id, title, bot_member from group_chats"
    assert query_db(sqlite_url, chats) == [(GROUP["id"], "First5 North", 1)]

    promoted = membership("my_chat_member", GROUP, BOT_USER, "member", "member", by=bob)
    mark = rec.mark()
    await app.process_update(as_update(promoted, app.bot))
    assert rec.since(mark) == []  # still there: no second greeting

    removed = membership("my_chat_member", GROUP, BOT_USER, "member", "left", by=bob)
    mark = rec.mark()
    await app.process_update(as_update(removed, app.bot))
    assert rec.since(mark) == []
    assert query_db(sqlite_url, chats) == [(GROUP["id"], "First5 North", 0)]


async def test_a_user_blocking_the_bot_is_marked_inactive(app, rec, sqlite_url):
    ana = Member(app, rec, ANA, "Ana")
    await ana.private.command("/start")
    private = {"id": ANA, "type": "private", "first_name": "Ana"}
    blocked = membership("my_chat_member", private, BOT_USER, "member", "kicked", by=ana.user)
    assert await ana.feed(blocked) == []
    assert query_db(sqlite_url, "select active from users where id = ?", ANA) == [(0,)]


async def test_a_member_telegram_vouches_for_can_opt_in_without_a_group_command(
    app, rec, sqlite_url
):
    """Privacy mode hides silent members; the opt-in link asks Telegram (getChatMember)."""
    ana = Member(app, rec, ANA, "Ana")
    await assessed(ana, STRATEGIC_IN_FINANCE)
    rec.members[GROUP["id"]].add(ANA)  # in the group, but has never written there
    (optins,) = await ana.private.command(f"/start g{GROUP['id']}")
    assert strip_html(optins.text).startswith("Group opt-ins")
    assert [c.params["user_id"] for c in rec.of("getChatMember")] == [ANA]
    bob = Member(app, rec, BOB, "Bob")  # Telegram says Bob is not in the group
    await assessed(bob, ALL_MANAGERIAL)
    (not_member,) = await bob.private.command(f"/start g{GROUP['id']}")
    assert "member" in not_member.text and "Group opt-ins" not in not_member.text


async def test_the_left_the_group_service_message_drops_opt_ins(app, rec, sqlite_url):
    """Without admin rights the bot gets no chat_member updates, only this service message."""
    ana, bob = Member(app, rec, ANA, "Ana"), Member(app, rec, BOB, "Bob")
    await assessed(ana, STRATEGIC_IN_FINANCE)
    await opt_in(ana, "Share my levels", "Mentor: Finance")
    left = {
        "message_id": 999,
        "date": int(time.time()),
        "chat": GROUP,
        "from": ana.user,
        "left_chat_member": ana.user,
    }
    assert await ana.feed({"update_id": next(_update_ids), "message": left}) == []
    (after,) = await bob.command("/mentors finance")
    assert "tg://user" not in after.text
    assert query_db(sqlite_url, "select count(*) from group_members where user_id = ?", ANA) == [
        (0,)
    ]


async def test_a_follow_up_in_a_group_reads_each_member_s_own_last_question(app, rec, kb):
    bob, carol = Member(app, rec, BOB, "Bob"), Member(app, rec, CAROL, "Carol")
    (bob_answer,) = await bob.command("/ask complaints managerial")
    await carol.command("/ask fire safety administrative")
    (follow,) = await bob.say("and strategic?", reply_to=bot_message(rec, bob_answer))
    complaints = next(r for r in kb.competency.ranges if r.id == "complaints")
    fire = next(r for r in kb.competency.ranges if r.id == "fire-safety")
    assert complaints.strategic in shown(rec, follow)
    (carol_follow,) = await carol.command("/ask and managerial?")
    assert fire.managerial in shown(rec, carol_follow)
