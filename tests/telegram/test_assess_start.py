"""Starting a self-assessment never loses one: one in progress is offered to continue, a double
tap starts one assessment, "Start again" starts the assessment again."""

from __future__ import annotations

from tests.flowdriver import LEVELS
from tests.telegram.recording import methods, strip_html
from tests.telegram.test_journey import DOMAIN_RATINGS, assert_edited, onboard
from tests.telegram.updates import query_db

ASSESSMENTS = "select count(*) from assessments"


async def three_ratings(alice) -> int:
    m = await onboard(alice)
    await alice.press("Start self-assessment", m)
    for level in LEVELS[:3]:
        await alice.press(level, m)
    return m


async def test_assess_mid_assessment_offers_to_continue_and_keeps_the_answers(
    alice, rec, sqlite_url
):
    m = await three_ratings(alice)
    (offer,) = await alice.command("/assess")
    text = strip_html(offer.text)
    assert text.startswith("Welcome back") and "3 of 9 domains are rated" in text
    assert [label for label, _ in offer.buttons] == ["Continue", "Start again"]
    assert query_db(sqlite_url, ASSESSMENTS) == [(1,)]  # nothing replaced yet

    assert_edited(
        await alice.press("Continue", offer.message_id), offer.message_id, "Self-assessment · 4/9"
    )
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(3,)]
    assert strip_html(rec.message(1001, m)["text"]).startswith("Self-assessment · 4/9")


async def test_start_button_mid_assessment_offers_to_continue(alice, rec, sqlite_url):
    await three_ratings(alice)
    (offer,) = await alice.command("/plan")  # no plan yet: it offers "Start self-assessment"
    calls = await alice.press("Start self-assessment", offer.message_id)
    assert "3 of 9 domains are rated" in strip_html(calls[-1].text)
    assert query_db(sqlite_url, ASSESSMENTS) == [(1,)]
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(3,)]


async def test_start_again_starts_the_assessment_not_onboarding(alice, rec, sqlite_url):
    await three_ratings(alice)
    (offer,) = await alice.command("/assess")
    edit = assert_edited(
        await alice.press("Start again", offer.message_id),
        offer.message_id,
        "Self-assessment · 1/9",
    )
    assert "✓" not in strip_html(edit.text) + "".join(label for label, _ in edit.buttons)
    # one assessment, the new one: the old answers are not left in an open assessment
    assert query_db(sqlite_url, ASSESSMENTS) == [(1,)]
    assert query_db(sqlite_url, DOMAIN_RATINGS) == [(0,)]
    await alice.press("Strategic", offer.message_id)
    assert query_db(sqlite_url, "select level from ratings") == [("strategic",)]


async def test_double_tap_on_start_self_assessment_creates_one_assessment(alice, rec, sqlite_url):
    m = await onboard(alice)
    _, start = alice.find_button("Start self-assessment", m)
    first, second = [await alice.tap_data(start, m) for _ in range(2)]
    assert_edited(first, m, "Self-assessment · 1/9")
    assert methods(second)[:2] == ["answerCallbackQuery", "editMessageText"]  # in place
    assert strip_html(rec.message(1001, m)["text"]).startswith("Self-assessment · 1/9")
    assert query_db(sqlite_url, ASSESSMENTS) == [(1,)]
    assert_edited(await alice.press("Managerial", m), m, "Self-assessment · 2/9")


async def test_assess_after_cancel_offers_the_open_assessment(alice, rec, sqlite_url):
    await three_ratings(alice)
    await alice.command("/cancel")
    (offer,) = await alice.command("/assess")
    assert "3 of 9 domains are rated" in strip_html(offer.text)
    assert_edited(
        await alice.press("Continue", offer.message_id), offer.message_id, "Self-assessment · 4/9"
    )
    assert query_db(sqlite_url, ASSESSMENTS) == [(1,)]
