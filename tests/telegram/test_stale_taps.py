"""Old buttons stay dead: across /forget, across users, and when hammered; odd deep links and
stale taps get a short answer, never a flood of messages or "something went wrong"."""

from __future__ import annotations

from bot.telegram.notices import QUIET_SECONDS, NoticeThrottle
from tests.flowdriver import LEVELS
from tests.telegram.recording import Failure, methods, strip_html
from tests.telegram.test_faults import ONBOARDING
from tests.telegram.test_journey import DOMAIN_RATINGS, onboard
from tests.telegram.updates import TgUser, query_db

EXPIRED = "That button has expired. /start shows where you are."
RATINGS = "select domain_id, level from ratings where range_id = '' order by id"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def assessing(user: TgUser) -> int:
    """Onboarded and at 1/9 of a new assessment; the id of the message it happens in."""
    (welcome,) = await user.command("/start")
    for label in (*ONBOARDING, "Start self-assessment"):
        await user.press(label, welcome.message_id)
    return welcome.message_id


async def test_buttons_from_before_forget_store_nothing_in_a_new_assessment(alice, rec, sqlite_url):
    old = await assessing(alice)
    await alice.press("Managerial", old)  # the old message now asks 2/9
    (confirm,) = await alice.command("/forget")
    await alice.press("Yes, delete everything", confirm.message_id)

    new = await assessing(alice)  # the same steps again: 1/9 of a new assessment
    await alice.press("Managerial", new)
    assert query_db(sqlite_url, RATINGS) == [("practice-operation-and-development", "managerial")]

    calls = await alice.press("Strategic", old)  # 2/9 on the message from before /forget
    assert methods(calls) == ["answerCallbackQuery"], calls
    assert calls[0].params["text"] == EXPIRED
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(1,)]
    assert strip_html(rec.message(1001, new)["text"]).startswith("Self-assessment · 2/9")


async def test_another_users_button_data_does_nothing_in_my_conversation(app, rec, sqlite_url):
    alice, bob = TgUser(app, rec, 1001, "Alice"), TgUser(app, rec, 1002, "Bob")
    alices, bobs = await assessing(alice), await assessing(bob)
    _, strategic = alice.find_button("Strategic", alices)  # the same step as Bob's
    calls = await bob.tap_data(strategic, bobs)
    assert methods(calls) == ["answerCallbackQuery"] and calls[0].params["text"] == EXPIRED
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(0,)]
    await bob.press("Strategic", bobs)
    assert query_db(sqlite_url, "select count(*) from ratings where range_id = ''") == [(1,)]


async def test_fifty_taps_on_one_button_give_one_rating_and_one_notice(app, alice, rec, sqlite_url):
    clock = Clock()
    app.bot_data["notices"] = NoticeThrottle(clock=clock)
    m = await assessing(alice)
    _, managerial = alice.find_button("Managerial", m)
    taps = [await alice.tap_data(managerial, m) for _ in range(50)]

    assert methods(taps[0]) == ["answerCallbackQuery", "editMessageText"]  # recorded
    stale = [call for calls in taps[1:] for call in calls]
    assert methods(stale) == ["answerCallbackQuery"] * 49  # no new messages, no edits
    assert [c.params.get("text") for c in stale] == [EXPIRED] + [None] * 48
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(1,)]

    clock.now += QUIET_SECONDS  # a while later, one more tap is told again
    (answer,) = await alice.tap_data(managerial, m)
    assert answer.params["text"] == EXPIRED


async def test_start_with_a_group_the_bot_cannot_see_gets_a_plain_reply(alice, rec):
    await onboard(alice)
    rec.members[-999].add(1001)  # some servers answer getChatMember for any chat...
    rec.fail("getChat", Failure(400, "Bad Request: chat not found"))  # ...but not getChat
    calls = await alice.command("/start g-999")
    assert methods(calls) == ["sendMessage"], calls
    assert strip_html(calls[0].text).startswith("I don't know you as a member of that group")
    assert "went wrong" not in calls[0].text


async def test_a_double_tap_answers_the_second_on_the_button_only(alice, rec, sqlite_url):
    m = await assessing(alice)
    for level in LEVELS[:2]:
        await alice.press(level, m)
    _, again = alice.find_button("Strategic", m)  # 3/9, tapped twice
    first, second = [await alice.tap_data(again, m) for _ in range(2)]
    assert methods(first) == ["answerCallbackQuery", "editMessageText"]
    assert methods(second) == ["answerCallbackQuery"]
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(3,)]
