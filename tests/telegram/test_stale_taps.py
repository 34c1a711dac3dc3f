"""Old buttons stay dead: across /forget, across users, and when hammered; odd deep links and
stale taps get a short answer, never a flood of messages or "something went wrong"."""

from __future__ import annotations

from tests.telegram.recording import strip_html
from tests.telegram.test_faults import ONBOARDING
from tests.telegram.test_journey import DOMAIN_RATINGS
from tests.telegram.updates import TgUser, query_db

RATINGS = "select domain_id, level from ratings where range_id = '' order by id"


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
    assert "expired" in calls[0].params["text"]
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(1,)]
    assert strip_html(rec.message(1001, new)["text"]).startswith("Self-assessment · 2/9")


async def test_another_users_button_data_does_nothing_in_my_conversation(app, rec, sqlite_url):
    alice, bob = TgUser(app, rec, 1001, "Alice"), TgUser(app, rec, 1002, "Bob")
    alices, bobs = await assessing(alice), await assessing(bob)
    _, strategic = alice.find_button("Strategic", alices)  # the same step as Bob's
    calls = await bob.tap_data(strategic, bobs)
    assert "expired" in calls[0].params["text"]
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(0,)]
    await bob.press("Strategic", bobs)
    assert query_db(sqlite_url, "select count(*) from ratings where range_id = ''") == [(1,)]
