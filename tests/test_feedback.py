"""Asking colleagues for feedback (`/feedback`): a flow added in its own module."""

from __future__ import annotations

import pytest

from bot.conversations import Conversations
from bot.flows.router import EXPIRED
from tests.flowdriver import Driver


@pytest.fixture
def driver(sqlite_repo, kb, lookup):
    return Driver(Conversations(sqlite_repo, kb, lookup))


async def test_feedback_request_names_the_domain_its_ranges_and_the_target(driver, kb):
    await driver.onboard()
    await driver.command("/feedback")
    finance = next(d for d in kb.competency.domains if d.id == "finance")
    await driver.tap(finance.name)
    request = driver.replies[-1].views[-1].body
    assert "Sam" in request and finance.name in request
    assert all(rng.name in request for rng in finance.ranges)  # quoted from the framework
    assert "Managerial level" in request  # no target for finance: the middle level


async def test_feedback_is_listed_in_help_and_needs_a_profile(driver):
    await driver.command("/help")
    assert "/feedback: " in driver.text
    await driver.command("/feedback")
    assert "set up your profile" in driver.text


async def test_a_cancelled_or_stale_feedback_button_writes_nothing(driver):
    await driver.onboard()
    await driver.command("/feedback")
    asked = driver.replies[-1]
    await driver.tap("Cancel")
    assert "No request written" in driver.text
    reply = await driver.tap("Finance", reply=asked)
    assert reply.notice == EXPIRED and not reply.views
