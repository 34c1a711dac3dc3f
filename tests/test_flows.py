"""Whole journeys through the conversation flows, without Telegram."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select, update

import bot.flows.plan as plan_module
from bot.conversations import Conversations, UserRef
from bot.flows.core import IDLE, STEPS
from bot.flows.events import Tap, Text
from bot.flows.router import EXPIRED
from bot.flows.typed import typed_choice
from bot.flows.views import View
from bot.storage.engine import create_repository
from bot.storage.models import Conversation, Rating
from tests.flowdriver import LEVELS, Driver
from tests.test_bad_input import PATHS, current_view, read, walk


@pytest.fixture
def service(sqlite_repo, kb, lookup):
    return Conversations(sqlite_repo, kb, lookup)


@pytest.fixture
def driver(service):
    return Driver(service)


async def count_ratings(storage) -> int:
    async with storage.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(Rating))).scalar_one()


async def test_new_user_reaches_a_plan_that_quotes_the_framework(driver, kb):
    await driver.command("/start")
    assert "Privacy" in driver.text and "/forget" in driver.text
    await driver.tap("OK, let's start")
    await driver.tap("Practice manager")
    assert "first five years" in driver.text  # early career definition, from the framework
    await driver.tap("Early")
    await driver.tap("What do these mean")
    assert kb.career.directions[3].outcome in driver.text
    await driver.tap("Moving up")
    assert "✅ Moving up" in driver.labels(driver.replies[-1].views[-1])
    await driver.tap("Done")
    assert "saved" in driver.text
    await driver.tap("Start self-assessment")
    assert "1/9" in driver.text and "Practice Operation and Development" in driver.text
    for level in LEVELS:
        await driver.tap(level)
    assert "deeper" in driver.text
    await driver.tap("No thanks")
    assert (
        "Population Care: Administrative → Managerial (suggested: Managerial: one level up, "
        "as you chose Moving up)" in driver.text
    )
    assert "Finance: Managerial → Managerial (suggested: Managerial: early career" in driver.text
    await driver.tap("Accept these targets")
    await driver.tap("See my plan")
    plan = driver.text
    operations = kb.competency.domain("practice-operation-and-development")
    assert "■□· Population Care: Administrative → Managerial" in plan
    # the largest gap's next-level descriptor is quoted word for word, with its range
    development = operations.ranges[1]  # the range that fits this practice manager best
    assert "Development plans/reports · Managerial (picked for your role, stage and " in plan
    assert f'"{development.managerial}"\nSource: {development.source}' in plan
    assert "Level 6 Business Administration Apprenticeship" in plan  # early + moving up
    assert "Table 5" in plan
    assert "Next steps" in plan


async def test_reassessment_shows_progress_per_domain(driver):
    await driver.onboard(stage="Established", directions=("Building up",))
    await driver.assess(LEVELS)
    changed = list(LEVELS)
    changed[4] = "Strategic"  # Finance up
    changed[0] = "Not yet"  # Practice Operation down
    await driver.assess(changed)
    await driver.command("/progress")
    text = driver.text
    assert "1." in text and "2." in text
    assert "▲ Finance: Managerial → Strategic" in text
    assert "▼ Practice Operation and Development: Administrative → Not yet" in text


async def test_restart_between_two_taps_loses_nothing(sqlite_storage, kb, lookup):
    first = Driver(Conversations(sqlite_storage.repo, kb, lookup))
    await first.onboard()
    await first.command("/assess")
    await first.tap("Managerial")
    pending = first.replies[-1]  # the question for domain 2, shown before the "restart"
    repo, engine = create_repository(sqlite_storage.url)  # a new process on the same file
    try:
        second = Driver(Conversations(repo, kb, lookup), user=first.user)
        await second.tap("Strategic", reply=pending)
        assert "3/9" in second.text
        history = await repo.load_snapshot(first.user.id)
        assert history.open_assessment.levels == {
            "practice-operation-and-development": "managerial",
            "risk-management": "strategic",
        }
    finally:
        await engine.dispose()


async def test_back_shows_the_earlier_answer_and_skip_stores_nothing(driver, sqlite_repo):
    await driver.onboard()
    await driver.command("/assess")
    await driver.tap("Managerial")
    await driver.tap("Back")
    assert "1/9" in driver.text and "✓ Managerial" in driver.labels(driver.replies[-1].views[-1])
    await driver.tap("Strategic")
    await driver.tap("Skip")
    await driver.tap("Back")
    await driver.tap("Skip")  # skipping after Back leaves the domain unrated
    snap = await sqlite_repo.load_snapshot(driver.user.id)
    assert snap.open_assessment.levels == {"practice-operation-and-development": "strategic"}
    assert "3/9" in driver.text


async def test_stale_and_forged_taps_change_nothing(driver, sqlite_storage):
    await driver.onboard()
    await driver.command("/assess")
    first_question = driver.replies[-1]
    second_question = await driver.tap("Managerial")
    before = await count_ratings(sqlite_storage)
    stale = await driver.tap("Strategic", reply=first_question)
    assert stale.notice == EXPIRED and stale.views == ()  # said on the button only
    for data in ["garbage", "rate:999:2", "rate:1:" + "x" * 80, "k:" + "z" * 50, "", "💥"]:
        reply = await driver.send(Tap(data))
        assert reply.notice
    current = driver.button("Strategic", reply=second_question).data
    step, version, _ = current.split(":")
    forged = await driver.send(Tap(f"{step}:{version}:9"))
    assert forged.notice == "That button is not valid here."
    assert forged.views == ()  # nothing re-sent: the question on screen is still current
    assert await count_ratings(sqlite_storage) == before
    snap = await sqlite_storage.repo.load_snapshot(driver.user.id)
    assert snap.conversation.version == int(version)


async def test_two_quick_taps_record_exactly_one_rating(driver, sqlite_storage):
    await driver.onboard()
    await driver.command("/assess")
    tap = Tap(driver.button("Managerial").data)
    replies = await asyncio.gather(driver.send(tap), driver.send(tap))
    assert await count_ratings(sqlite_storage) == 1
    first, second = sorted(r.notice for r in replies)
    assert first == "" and second in ("Already recorded.", EXPIRED)


async def test_text_mid_flow_answers_once_and_the_step_stays_one_tap_away(driver):
    await driver.onboard()
    await driver.command("/assess")
    await driver.tap("Managerial")
    reply = await driver.type("what does strategic mean for infection control")
    (answer,) = reply.views  # the answer alone: the question card is not sent again
    assert "Initiates and reviews policy development" in answer.plain_text
    assert driver.labels(answer)[-1] == "↩ Back to Self-assessment · 2/9"
    await driver.tap("Back to Self-assessment")
    assert "2/9" in driver.text and "Risk Management" in driver.text
    await driver.type("strategic")  # a level typed by name rates the domain
    assert "3/9" in driver.text


async def test_forget_then_start_is_a_new_user(driver, sqlite_repo):
    await driver.onboard()
    await driver.assess(LEVELS)
    await driver.command("/forget")
    await driver.tap("Yes, delete everything")
    assert "Deleted" in driver.text and "ratings" in driver.text
    tables = (await sqlite_repo.export_user(driver.user.id))["tables"]
    assert all(rows == [] for rows in tables.values())
    await driver.command("/start")
    assert "Welcome to careerbot" in driver.text


async def test_start_for_a_known_user_offers_to_continue(driver):
    await driver.onboard()
    await driver.command("/assess")
    await driver.tap("Administrative")
    await driver.command("/start")
    assert "Continue" in driver.labels(driver.replies[-1].views[-1])
    await driver.tap("Continue")
    assert "2/9" in driver.text


async def test_export_returns_everything_as_json(driver):
    await driver.onboard()
    await driver.assess(LEVELS)
    reply = await driver.command("/export")
    document = reply.views[0].attachments[0]
    assert document.filename.endswith(".json")
    assert b'"managerial"' in document.content


async def test_plan_before_assessment_and_unknown_command(driver):
    await driver.onboard()
    await driver.command("/plan")
    assert "needs a self-assessment first" in driver.text
    await driver.command("/frobnicate")
    assert "/help" in driver.text


async def test_a_plan_view_builds_the_plan_once_for_its_text_and_its_chart(driver, monkeypatch):
    await driver.onboard()
    await driver.assess(LEVELS)
    builds = []
    terms = plan_module.profile_terms  # called once per build_plan
    monkeypatch.setattr(plan_module, "profile_terms", lambda *a: builds.append(1) or terms(*a))
    reply = await driver.command("/plan")
    assert len(builds) == 1
    assert [a.filename for a in reply.views[0].attachments] == ["profile-chart.png"]
    assert "Population Care" in reply.views[0].attachments[0].caption


async def test_assess_before_onboarding_sets_up_profile_first(driver):
    await driver.command("/assess")
    assert "Welcome to careerbot" in driver.text


async def test_deeper_pass_rates_ranges_of_one_domain(driver, sqlite_repo, kb):
    await driver.onboard()
    await driver.command("/assess")
    for level in LEVELS:
        await driver.tap(level)
    await driver.tap("Population Care")
    assert "Health needs assessment" in driver.text and "1/5" in driver.text
    for level in ["Managerial", "Administrative", "skip", "Strategic", "Administrative"]:
        await driver.tap("Skip" if level == "skip" else level)
    assert "✓ Population Care" in driver.labels(driver.replies[-1].views[-1])
    snap = await sqlite_repo.load_snapshot(driver.user.id)
    ranges = snap.open_assessment.range_levels
    assert len(ranges) == 4
    assert ranges[("population-care", "health-needs-assessment")] == "managerial"


async def test_empty_and_huge_text_get_short_replies(driver):
    reply = await driver.send(Text("   "))
    assert "Ask me" in reply.views[0].plain_text
    reply = await driver.send(Text("x" * 10_000))
    assert len(reply.views[0].plain_text) < 1000


async def test_two_users_do_not_share_state(service):
    a, b = Driver(service, UserRef(1, "A")), Driver(service, UserRef(2, "B"))
    await a.onboard()
    await b.onboard()
    await a.command("/assess")
    await b.command("/assess")
    await a.tap("Strategic")
    await b.command("/start")
    await b.tap("Continue")
    assert "1/9" in b.text


async def test_forget_works_for_someone_who_only_asked_a_question(driver, sqlite_repo):
    await driver.type("what does strategic mean for complaints")
    await driver.command("/forget")
    await driver.tap("Yes, delete everything")
    assert "users: 1" in driver.text
    tables = (await sqlite_repo.export_user(driver.user.id))["tables"]
    assert all(rows == [] for rows in tables.values())


async def test_assess_before_onboarding_carries_on_into_the_assessment(driver):
    await driver.command("/assess")
    await driver.onboard_steps()
    assert "Your profile is saved" in driver.text
    assert "Self-assessment · 1/9" in driver.text  # where the user was going


async def test_a_plan_deep_link_for_a_newcomer_lands_in_the_plan_after_onboarding(driver):
    await driver.command("/start plan")
    assert "Welcome to careerbot" in driver.text
    await driver.onboard_steps()
    assert "needs a self-assessment first" in driver.text


async def stored_state(repo, user: UserRef) -> tuple:
    """Where the user is (step, payload, version) and what they have rated."""
    now = (await read(repo, user)).stored
    return now.step, now.payload, now.version, now.open_levels, now.profile


# What a user might type to name a button at each step (default: the first button's text).
TYPED_NAMES = {
    "role": "practice manager",
    "stage": "established",
    "years": "2 to 5 years",
    "dirs": "moving up",
    "rate": "managerial",
    "range_rate": "skip",
    "deeper": "no thanks",
    "targets": "accept",
    "target_level": "strategic",
    "resume": "continue",
    "forget": "no",
    "remind": "in 3 months",
}
BUTTON_STEPS = sorted(s for s in PATHS if s != IDLE and STEPS[s].text is None)


def _unlinked(text: str) -> str:
    """The text with share links' random tokens masked (two taps make two links)."""
    return re.sub(r"\bp[\w-]{24}\b", "p<token>", text)


@pytest.mark.parametrize("step", BUTTON_STEPS)
async def test_text_typed_at_every_button_step(step, service, sqlite_repo):
    """An out-of-range number, 0, an emoji and a question leave the step where it was; the
    name of a button (or its number) chooses it."""
    users = iter(UserRef(1000 + n, "Sam") for n in range(10))

    async def at_step() -> tuple[Driver, View]:
        driver = await walk(service, sqlite_repo, next(users), PATHS[step])
        return driver, await current_view(
            service, driver.user, await read(sqlite_repo, driver.user)
        )

    driver, card = await at_step()
    buttons = [b for row in card.buttons for b in row if b.data]
    before = await stored_state(sqlite_repo, driver.user)
    for typed in (str(len(buttons) + 1), "0", "👍"):
        reply = await driver.type(typed)
        span = f"1-{len(buttons)}" if len(buttons) > 1 else "1"
        assert [v.plain_text for v in reply.views] == [
            f"Pick one of the buttons ({span}), or ask me a question in words."
        ]
        assert await stored_state(sqlite_repo, driver.user) == before, typed
    reply = await driver.type("what does strategic mean for infection control")
    (answer,) = reply.views  # answered once, the card not reprinted
    assert "Infection control" in answer.plain_text
    assert driver.labels(answer)[-1] == f"↩ Back to {card.title}"
    assert await stored_state(sqlite_repo, driver.user) == before
    back = await driver.tap("↩ Back to")
    assert back.views[-1].plain_text == card.plain_text

    name = TYPED_NAMES.get(step, buttons[0].text)
    by_name = await driver.type(name)
    assert await stored_state(sqlite_repo, driver.user) != before, name
    tapped, _ = await at_step()
    by_tap = await tapped.tap(name)
    assert [_unlinked(v.plain_text) for v in by_name.views] == [
        _unlinked(v.plain_text) for v in by_tap.views
    ]

    chosen = typed_choice(name, buttons)
    numbered, _ = await at_step()
    by_number = await numbered.type(str([b.data for b in buttons].index(chosen) + 1))
    assert [_unlinked(v.plain_text) for v in by_number.views] == [
        _unlinked(v.plain_text) for v in by_tap.views
    ]


async def test_the_first_question_has_no_back_button(driver):
    await driver.onboard()
    await driver.command("/assess")
    assert "1/9" in driver.text
    labels = driver.labels(driver.replies[-1].views[-1])
    assert "◀ Back" not in labels and "Skip ▶" in labels
    await driver.tap("Managerial")
    assert "◀ Back" in driver.labels(driver.replies[-1].views[-1])  # 2/9 goes back to 1/9


async def test_reassessment_shows_last_time_and_keeps_it_in_one_tap(driver, sqlite_repo):
    await driver.onboard()
    await driver.assess(LEVELS)
    await driver.command("/assess")
    assert "(last time: Administrative)" in driver.text  # the first domain's rating
    await driver.tap("Keep Administrative")
    assert "2/9" in driver.text and "(last time: Managerial)" in driver.text
    await driver.type("keep")
    assert "3/9" in driver.text and "(last time: Not yet)" in driver.text
    snap = await sqlite_repo.load_snapshot(driver.user.id)
    assert snap.open_assessment.levels == {
        "practice-operation-and-development": "administrative",
        "risk-management": "managerial",
    }


async def test_range_pass_lists_each_finished_domain_once_and_relabels_finishing(driver):
    await driver.onboard()
    await driver.command("/assess")
    for level in LEVELS:
        await driver.tap(level)
    assert "No thanks: set my targets" in driver.labels(driver.replies[-1].views[-1])
    for _ in range(2):  # Population Care's ranges rated, then redone
        await driver.tap("Population Care")
        for _ in range(5):
            await driver.tap("Managerial")
    labels = driver.labels(driver.replies[-1].views[-1])
    assert "Done: set my targets" in labels and "No thanks: set my targets" not in labels
    assert "Ranges rated in: Population Care." in driver.text
    assert driver.text.count("Population Care") == 1
    assert labels.count("✓ Population Care") == 1


async def test_a_conversation_stored_under_the_old_names_keeps_going(sqlite_storage, kb, lookup):
    """Saved (and its buttons drawn) before steps and payload keys were renamed: `rrate` with
    `dom`, `j`, `rr` and `r`. The next tap on such a button carries on where the user was."""
    driver = Driver(Conversations(sqlite_storage.repo, kb, lookup))
    await driver.onboard()
    await driver.command("/assess")
    for level in LEVELS:
        await driver.tap(level)
    await driver.tap("Finance")
    snap = await sqlite_storage.repo.load_snapshot(driver.user.id)
    new = snap.conversation.payload
    old = {"dom": new["domain"], "j": 0, "rr": {}, "r": new["ratings"], "done": new["done"]}
    async with sqlite_storage.engine.begin() as conn:
        await conn.execute(
            update(Conversation)
            .where(Conversation.user_id == driver.user.id)
            .values(step="rrate", payload=old)
        )
    first_range = kb.competency.domains[new["domain"]].ranges[0]
    data = driver.button("Managerial").data.replace("range_rate:", "rrate:", 1)
    reply = await driver.send(Tap(data))
    assert reply.notice != EXPIRED and "2/" in driver.text  # on to the second range
    stored = (await sqlite_storage.repo.load_snapshot(driver.user.id)).conversation
    assert stored.step == "range_rate"
    assert stored.payload["range_ratings"] == {first_range.id: "managerial"}
    assert stored.payload["ratings"] == new["ratings"]


async def _store_under(storage, user_id: int, step: str, payload: dict) -> None:
    async with storage.engine.begin() as conn:
        await conn.execute(
            update(Conversation)
            .where(Conversation.user_id == user_id)
            .values(step=step, payload=payload)
        )


async def test_directions_chosen_under_the_old_payload_key_are_saved(sqlite_storage, kb, lookup):
    """Directions ticked before `sel` became `selected` are the ones saved on Done."""
    driver = Driver(Conversations(sqlite_storage.repo, kb, lookup))
    await driver.command("/start")
    for label in ("OK, let's start", "Practice manager", "Early", "Moving up"):
        await driver.tap(label)
    payload = (await sqlite_storage.repo.load_snapshot(driver.user.id)).conversation.payload
    ticked = payload.pop("selected")
    assert ticked
    await _store_under(sqlite_storage, driver.user.id, "dirs", {**payload, "sel": ticked})
    await driver.tap("Done")
    assert "Your profile is saved" in driver.text
    profile = (await sqlite_storage.repo.load_snapshot(driver.user.id)).profile
    assert list(profile.directions) == ticked


async def test_an_old_pdf_org_button_still_finishes_the_export(sqlite_storage, kb, lookup):
    """A conversation at `pdf_org` (now `pdf_practice`), tapped on a button drawn then."""
    driver = Driver(Conversations(sqlite_storage.repo, kb, lookup))
    await driver.onboard()
    await driver.command("/export")
    await driver.tap("Use")
    payload = (await sqlite_storage.repo.load_snapshot(driver.user.id)).conversation.payload
    await _store_under(sqlite_storage, driver.user.id, "pdf_org", payload)
    data = driver.button("Skip").data.replace("pdf_practice:", "pdf_org:", 1)
    reply = await driver.send(Tap(data))
    assert reply.notice != EXPIRED
    assert (await sqlite_storage.repo.load_snapshot(driver.user.id)).conversation.step == IDLE


async def test_an_appraiser_mid_comment_under_the_old_names_still_comments():
    """`appr_note` with `sid` and `oid` is read as `appr_comment` with `share_id` and
    `objective_id`, also as the step to resume."""
    from bot.flows import legacy

    old = {"sid": 4, "oid": 9, "prev": {"step": "appr_sign", "payload": {"sid": 4}}}
    assert legacy.step_name("appr_note") == "appr_comment"
    assert legacy.payload(old) == {
        "share_id": 4,
        "objective_id": 9,
        "prev": {"step": "sign_off", "payload": {"share_id": 4}},
    }


async def test_an_unknown_command_before_onboarding_moves_no_one(driver, sqlite_repo):
    """An unknown command (typed, or a forged "go:" button) is answered and changes nothing
    stored, before the profile as after it (it used to send a new user to onboarding)."""
    await driver.command("/start")
    before = (await sqlite_repo.load_snapshot(driver.user.id)).conversation
    await driver.command("/xyz")
    assert "I don't know /xyz" in driver.text
    assert (await sqlite_repo.load_snapshot(driver.user.id)).conversation == before
