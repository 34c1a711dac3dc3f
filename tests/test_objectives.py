"""SMART objectives: set from a gap, dated by button or typed date, listed, closed, reviewed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.flows.events import Tap
from bot.flows.objectives import remind_at
from tests.conftest import FakeClock
from tests.flowdriver import LEVELS, Driver

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def service(clocked_service):
    return clocked_service


@pytest.fixture
async def driver(service) -> Driver:
    driver = Driver(service)
    await driver.onboard()
    await driver.assess(LEVELS)
    return driver


async def test_an_objective_from_a_gap_is_listed_in_the_plan(driver, sqlite_repo):
    await driver.command("/objective")
    assert "Which gap" in driver.text
    assert driver.labels(driver.replies[-1].views[-1])[0].startswith("1. Development plans")
    await driver.tap("1.")
    await driver.type("Write the practice development plan with the partners")
    assert "How will you show it?" in driver.text
    await driver.type("the plan, agreed at the March partners' meeting")
    assert "By when?" in driver.text
    await driver.tap("3 months")
    assert "Objective set" in driver.text and "01 Mar 2027" in driver.text
    assert "I'll remind you on 22 Feb 2027" in driver.text

    (stored,) = await sqlite_repo.objectives(driver.user.id)
    assert (stored.range_id, stored.due_on, stored.status) == (
        "development-plans-reports",
        date(2027, 3, 1),
        "open",
    )
    (reminder,) = await sqlite_repo.pending_reminders(driver.user.id)
    assert reminder.kind == f"objective:{stored.id}"
    assert reminder.due_at == datetime(2027, 2, 22, 9, 0, tzinfo=UTC)

    await driver.command("/plan")
    listed = driver.replies[-1].views[-1]
    assert listed.title == "Your objectives"
    assert '1. "Write the practice development plan with the partners"' in listed.body
    assert "Shown by: the plan, agreed at the March partners' meeting" in listed.body
    assert "By 01 Mar 2027 · open · Development plans/reports" in listed.body


async def test_a_typed_due_date_is_understood_and_a_past_one_is_refused(driver, sqlite_repo):
    await driver.command("/objective")
    await driver.tap("2.")
    await driver.type("Chair two reception team meetings")
    await driver.type("the minutes")
    await driver.type("3 March 2020")
    assert "could not read" in driver.text and "By when?" in driver.text
    await driver.type("31 March")
    assert "By 31 Mar 2027" in driver.text
    (stored,) = await sqlite_repo.objectives(driver.user.id)
    assert stored.due_on == date(2027, 3, 31)


async def test_done_closes_an_objective_and_cancels_its_reminder(driver, sqlite_repo):
    await driver.set_objective("1.", "Write the plan", "the plan", "1 month")
    await driver.set_objective("2.", "Review services", "a report", "6 months")
    await driver.command("/objectives")
    await driver.tap("1. Done")
    assert "By 01 Jan 2027 · done ✓" in driver.text
    assert "1. Done" not in driver.labels(driver.replies[-1].views[-1])
    pending = await sqlite_repo.pending_reminders(driver.user.id)
    first, second = await sqlite_repo.objectives(driver.user.id)
    assert [r.kind for r in pending] == [f"objective:{second.id}"]
    assert (first.status, second.status) == ("done", "open")
    await driver.tap("2. Drop")
    assert "dropped" in driver.text


async def test_a_reassessment_asks_about_each_open_objective(driver, sqlite_repo):
    await driver.set_objective("1.", "Write the plan", "the plan", "1 month")
    await driver.set_objective("2.", "Review services", "a report", "3 months")
    await driver.command("/assess")
    for level in LEVELS:
        await driver.tap(level)
    await driver.tap("No thanks")
    await driver.tap("Accept these targets")
    assert "Assessment saved" in driver.text
    assert "How did this objective go?" in driver.text and '"Write the plan"' in driver.text
    await driver.tap("Done ✓")
    assert "2/2" in driver.text and '"Review services"' in driver.text
    await driver.tap("Still working on it")
    assert "objectives are up to date" in driver.text
    statuses = [o.status for o in await sqlite_repo.objectives(driver.user.id)]
    assert statuses == ["done", "open"]


async def test_a_forged_tap_does_not_skip_an_objective_under_review(driver, sqlite_repo):
    await driver.set_objective("1.", "Write the plan", "the plan", "1 month")
    await driver.command("/assess")
    for level in LEVELS:
        await driver.tap(level)
    await driver.tap("No thanks")
    await driver.tap("Accept these targets")
    review = driver.replies[-1]
    done = driver.button("Done ✓").data or ""
    forged = done.rsplit(":", 1)[0] + ":y" + done.rsplit(":", 1)[1][1:]  # "y<id>", not a button
    refused = await driver.send(Tap(forged))
    assert refused.notice == "That button is not valid here." and not refused.views
    await driver.tap("Done ✓", review)  # the review did not move on: its buttons still work
    assert "objectives are up to date" in driver.text
    assert [o.status for o in await sqlite_repo.objectives(driver.user.id)] == ["done"]


async def test_no_reminder_for_reassessing_leaves_objective_reminders(driver, sqlite_repo):
    await driver.set_objective("1.", "Write the plan", "the plan", "1 month")
    await driver.command("/remind")
    await driver.tap("No reminder")
    assert [r.kind[:10] for r in await sqlite_repo.pending_reminders(driver.user.id)] == [
        "objective:"
    ]


async def test_forget_deletes_objectives(driver, sqlite_repo):
    await driver.set_objective("1.", "Write the plan", "the plan", "1 month")
    await driver.command("/forget")
    await driver.tap("Yes, delete everything")
    assert await sqlite_repo.objectives(driver.user.id) == []


def test_a_close_due_date_is_reminded_of_soon_and_never_after_it():
    assert remind_at(date(2026, 12, 3), NOW) == NOW + timedelta(hours=1)
    assert remind_at(date(2026, 12, 2), datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == (
        datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    )
    assert remind_at(date(2027, 1, 1), NOW) == datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
