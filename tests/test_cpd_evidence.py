"""CPD entries: the day they happened, a link to an objective, a three-question reflection."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.flows.dates import happened_on
from tests.conftest import FakeClock
from tests.flowdriver import LEVELS, Driver

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def service(clocked_service):
    return clocked_service


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Led the complaints review on Tuesday, 2h", date(2026, 12, 1)),
        ("Budget course last week, 3 hours", date(2026, 11, 26)),
        ("Webinar on appraisals 3 March", date(2026, 3, 3)),
        ("Team meeting yesterday", date(2026, 12, 2)),
        ("I sat with the reception team, 1h", None),  # "sat" is not Saturday
        ("Read the guidance", None),
    ],
)
def test_the_day_an_entry_happened(text, day):
    assert happened_on(text, NOW) == day


async def test_an_entry_dated_linked_and_reflected_on(service, sqlite_storage):
    repo = sqlite_storage.repo
    driver = Driver(service)
    await driver.onboard()
    await driver.assess(LEVELS)
    await driver.set_objective("1.", "Write the development plan", "the plan", "3 months")

    await driver.command("/log Wrote the plan's first draft on Tuesday, 2h")
    assert "Date: Tue 01 Dec 2026" in driver.text
    await driver.tap("No domain")
    assert "01 Dec 2026 · 2 h" in driver.text
    await driver.tap("Link to an objective")
    await driver.tap("1. Write the development plan")
    assert "Supports your objective: Write the development plan" in driver.text
    await driver.tap("Reflect")
    assert "1/3 What happened?" in driver.text
    await driver.type("Drafted the plan with the partners")
    await driver.tap("Skip this question")
    assert "3/3 Now what?" in driver.text
    await driver.type("Agree it at the March meeting")
    assert "Reflection saved" in driver.text
    await driver.tap("Done")

    (entry,) = await repo.cpd_entries(driver.user.id)
    (objective,) = await repo.objectives(driver.user.id)
    assert entry.happened_on == date(2026, 12, 1) and entry.objective_id == objective.id
    assert (entry.reflect_what, entry.reflect_so_what, entry.reflect_now_what) == (
        "Drafted the plan with the partners",
        None,
        "Agree it at the March meeting",
    )
    await driver.command("/log")
    assert "01 Dec 2026 · 2 h · no domain" in driver.text
