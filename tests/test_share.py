"""Share and sign-off through the flows: a one-time link, a read-only view, comments, sign-off
locking the plan, revoking, and /forget removing shares and comments."""

from __future__ import annotations

import re

import pytest

from bot.conversations import Conversations, UserRef
from tests.flowdriver import LEVELS, Driver


@pytest.fixture
def service(sqlite_repo, kb, lookup):
    return Conversations(sqlite_repo, kb, lookup)


@pytest.fixture
async def owner(service) -> Driver:
    driver = Driver(service, UserRef(42, "Sam Jones"))
    await driver.onboard()
    await driver.assess(LEVELS)
    await driver.set_objective("1.", "Write the development plan", "the agreed plan", "3 months")
    await driver.command("/log Went on the budget course on Tuesday, 3h")
    await driver.tap("No domain")
    await driver.tap("Done")
    return driver


async def new_link(owner: Driver) -> str:
    await owner.command("/share")
    await owner.tap("Create a link")
    return re.search(r"/start (p\S+)", owner.text).group(1)


async def test_a_link_works_once_shows_the_plan_and_takes_comments_and_sign_off(
    service, owner, sqlite_repo
):
    payload = await new_link(owner)
    appraiser = Driver(service, UserRef(77, "Dr Patel"))
    await appraiser.command(f"/start {payload}")
    shown = appraiser.text
    assert "Sam Jones's development plan (read only)" in shown
    assert '1. "Write the development plan"' in shown and "Went on the budget course" in shown
    assert "CPD (1 entry)" in shown and "Gap: Practice Operation and Development" in shown
    assert "Welcome" not in shown  # no onboarding needed to read a shared plan

    await appraiser.tap("Comment on 1")
    await appraiser.type("Good objective; add a date for the partners' meeting.")
    assert "Comment: Good objective" in appraiser.text
    await appraiser.tap("Sign off the plan")
    await appraiser.tap("Yes, sign it off")
    assert "Signed off on" in appraiser.text
    assert "Sign off the plan" not in appraiser.labels(appraiser.replies[-1].views[-1])

    someone = Driver(service, UserRef(78, "Mallory"))
    await someone.command(f"/start {payload}")  # the link worked once
    assert "used already" in someone.text and "Write the development plan" not in someone.text

    await owner.command("/share")
    assert "opened by Dr Patel" in owner.text and "signed off" in owner.text
    assert 'On "Write the development plan": Good objective' in owner.text

    # Sign-off locked the plan: the objective cannot be changed any more.
    await owner.command("/objectives")
    assert "signed off" in owner.text
    assert "1. Done" not in owner.labels(owner.replies[-1].views[-1])
    (objective,) = await sqlite_repo.objectives(owner.user.id)
    assert objective.signed_off_at is not None


async def test_a_revoked_link_shows_nothing_more(service, owner):
    payload = await new_link(owner)
    appraiser = Driver(service, UserRef(77, "Dr Patel"))
    await appraiser.command(f"/start {payload}")
    await owner.command("/share")
    await owner.tap("Revoke link 1")
    assert "revoked" in owner.text
    await appraiser.tap("Comment on 1")
    assert "stopped sharing" in appraiser.text
    assert "Write the development plan" not in appraiser.text
    await appraiser.command(f"/start {payload}")
    assert "not valid any more" in appraiser.text
    unused = await new_link(owner)
    await owner.tap("Revoke link 2")
    await Driver(service, UserRef(79, "Ann")).command(f"/start {unused}")
    assert "Write the development plan" not in owner.text


async def test_own_link_and_forget_remove_shares_and_comments(service, owner, sqlite_repo):
    payload = await new_link(owner)
    await owner.command(f"/start {payload}")
    assert "your own link" in owner.text
    appraiser = Driver(service, UserRef(77, "Dr Patel"))
    await appraiser.command(f"/start {payload}")
    await appraiser.tap("Comment on 1")
    await appraiser.type("Fine.")
    assert len(await sqlite_repo.comments(owner.user.id)) == 1
    await owner.command("/forget")
    await owner.tap("Yes, delete everything")
    assert await sqlite_repo.shares(owner.user.id) == []
    assert await sqlite_repo.comments(owner.user.id) == []
    await appraiser.tap("Comment on 1")
    assert "stopped sharing" in appraiser.text
