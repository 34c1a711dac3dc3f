"""Questions about the user's own plan, answered from their stored profile and ratings."""

from __future__ import annotations

import pytest

from bot.conversations import Conversations
from bot.flows.aboutme import DOMAIN, FOCUS, REVIEW, TRAINING, intent
from bot.knowledge.competency import Level
from tests.flowdriver import LEVELS, Driver


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("what should I work on", FOCUS),
        ("what should i focus on next?", FOCUS),
        ("where are my gaps", FOCUS),
        ("how am I doing in finance", DOMAIN),
        ("how am i doing", DOMAIN),
        ("what training fits me", TRAINING),
        ("which courses suit me", TRAINING),
        ("when is my next review", REVIEW),
        ("when should I re-assess myself", REVIEW),
        ("what does strategic mean for infection control", None),
        ("I manage the rota", None),
        ("training for early career", None),
    ],
)
def test_questions_about_me_are_told_from_framework_questions(text, kind):
    assert intent(text) == kind


@pytest.fixture
def driver(sqlite_repo, kb, lookup):
    return Driver(Conversations(sqlite_repo, kb, lookup))


async def test_before_any_assessment_the_answer_says_so(driver):
    await driver.onboard()
    await driver.type("what should I work on")
    assert "no self-assessment yet" in driver.text
    assert "Start self-assessment" in driver.labels(driver.replies[-1].views[0])


async def test_what_to_work_on_quotes_the_user_s_own_largest_gaps(driver, kb):
    await driver.onboard(stage="Established", directions=("Moving up",))
    await driver.assess(LEVELS)
    await driver.type("what should I work on")
    answer = driver.text
    assert "largest gaps" in answer
    await driver.command("/plan")
    plan = driver.text
    quoted = [r.descriptor(lv) for r in kb.competency.ranges for lv in Level]
    gaps = [q for q in quoted if q in answer]
    assert gaps and all(q in plan for q in gaps)  # the plan's own gaps, quoted


async def test_how_am_i_doing_in_a_domain_reads_the_stored_rating_and_target(driver, kb):
    await driver.onboard(stage="Established", directions=("Moving up",))
    await driver.assess(LEVELS)
    await driver.type("how am I doing in finance")
    assert "Finance: you rated yourself Managerial" in driver.text
    assert "Your target: Strategic" in driver.text
    finance = kb.competency.domain("finance")
    assert finance.ranges[0].strategic in driver.text


async def test_training_that_fits_me_follows_my_stage_and_directions(driver, kb):
    await driver.onboard(stage="Late", directions=("Legacy",))
    await driver.type("what training fits me")
    late = next(s for s in kb.career.stages if s.id == "late")
    legacy = {
        i for row in late.development if "legacy" in row.directions for i in row.interventions
    }
    shown = [o for o in late.training_options if o.title in driver.text]
    assert shown and {o.id for o in shown} <= legacy
    assert all(o.information in driver.text for o in shown)


async def test_when_is_my_next_review_reads_the_pending_reminder(driver):
    await driver.onboard()
    await driver.type("when is my next review")
    assert "no reminder set" in driver.text
    await driver.command("/remind")
    await driver.tap("3 months")
    due = driver.text.split("I'll remind you on ")[1].split(".")[0]
    await driver.type("when is my next review")
    assert f"due on {due}" in driver.text
