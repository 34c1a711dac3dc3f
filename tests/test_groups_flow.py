"""Peer-group opt-ins in the private chat, and the group picture built only from them."""

from __future__ import annotations

import pytest

from bot.conversations import Conversations, UserRef
from bot.flows.disclosure import next_picture
from bot.flows.groups import HIDDEN, MIN_SHARED, group_picture
from tests.conftest import join
from tests.flowdriver import STRATEGIC_IN_FINANCE, Driver

GROUP = -100777


@pytest.fixture
def service(sqlite_repo, kb, lookup):
    return Conversations(sqlite_repo, kb, lookup)


async def member(service, repo, user_id: int, name: str, levels=STRATEGIC_IN_FINANCE) -> Driver:
    driver = Driver(service, UserRef(user_id, name))
    await driver.onboard(stage="Established", directions=("Building up",))
    await driver.assess(levels)
    await join(repo, GROUP, user_id, "First5 North")
    return driver


async def test_opt_in_to_share_and_mentor_then_withdraw(service, sqlite_repo):
    ana = await member(service, sqlite_repo, 11, "Ana")
    await ana.command(f"/start g{GROUP}")
    assert "First5 North" in ana.text
    labels = ana.labels(ana.replies[-1].views[-1])
    assert "▫️ Mentor: Finance" in labels
    assert not any("Human Resources" in label for label in labels)  # rated Managerial there
    await ana.tap("Share my levels")
    await ana.tap("Mentor: Finance")
    await ana.tap("Save")
    assert "shared" in ana.text
    membership = await sqlite_repo.group_membership(GROUP, 11)
    assert membership.share_profile and membership.mentor_domains == ("finance",)
    assert [m.name for m in await sqlite_repo.group_mentors(GROUP, "finance")] == ["Ana"]

    await ana.command(f"/start g{GROUP}")
    await ana.tap("Share my levels")
    await ana.tap("Mentor: Finance")
    await ana.tap("Save")
    assert await sqlite_repo.group_mentors(GROUP, "finance") == []
    assert await sqlite_repo.group_shared_profiles(GROUP) == []


async def test_opt_in_link_for_a_group_the_user_is_not_in(service, sqlite_repo):
    bo = Driver(service, UserRef(12, "Bo"))
    await bo.onboard()
    await bo.command("/start g-5550001")
    assert "don't know you as a member" in bo.text
    assert await sqlite_repo.group_membership(-5550001, 12) is None


async def test_group_picture_needs_three_members_and_names_no_one(service, sqlite_repo, kb):
    names = ["Ana", "Bo", "Cy"]
    for n, name in enumerate(names):
        driver = await member(service, sqlite_repo, 20 + n, name)
        await driver.command(f"/start g{GROUP}")
        await driver.tap("Share my levels")
        await driver.tap("Save")
        shared = await sqlite_repo.group_shared_profiles(GROUP)
        picture = group_picture(kb, next_picture(kb, shared, None))
        if len(shared) < MIN_SHARED:
            assert f"({len(shared)} so far)" in picture
            assert "Finance:" not in picture
    assert "Peer group picture from 3 members" in picture
    # three alike in every domain: showing any count would give each member's level away
    assert f"Finance: {HIDDEN}" in picture and "Largest gaps" not in picture
    assert not any(name in picture for name in names)


async def test_a_newcomer_from_a_group_link_reaches_the_opt_ins_after_onboarding(
    service, sqlite_repo
):
    newcomer = Driver(service, UserRef(31, "Nia"))
    await sqlite_repo.begin_turn(31, "Nia")
    await join(sqlite_repo, GROUP, 31, "First5 North")
    await newcomer.command(f"/start g{GROUP}")
    assert "Welcome to careerbot" in newcomer.text
    await newcomer.onboard_steps()
    assert "Your profile is saved" in newcomer.text
    assert "Peer group: First5 North" in newcomer.text
    await newcomer.tap("Share my levels")
    await newcomer.tap("Save")
    assert (await sqlite_repo.group_membership(GROUP, 31)).share_profile
