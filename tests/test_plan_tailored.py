"""The plan is built from what this user rated and who they are; skips are no gaps."""

from __future__ import annotations

import re

import pytest

from bot.conversations import Conversations
from bot.flows.targets import suggest_target
from tests.flowdriver import LEVELS, Driver


@pytest.fixture
def service(sqlite_repo, kb, lookup):
    return Conversations(sqlite_repo, kb, lookup)


def gap_ranges(text: str) -> list[str]:
    """(domain · range) of each numbered gap in the plan."""
    return re.findall(r"^\d+\. ([^·\n]+ · [^·\n]+) · ", text, re.MULTILINE)


async def rate_population_care(driver: Driver, ranges: list[str]) -> None:
    """Assess with LEVELS, rating the five Population Care ranges in the deeper pass."""
    await driver.command("/assess")
    for level in LEVELS:
        await driver.tap(level)
    await driver.tap("Population Care")
    for level in ranges:
        await driver.tap(level)
    await driver.tap("Done: set my targets")
    await driver.tap("Accept these targets")


async def test_two_users_with_different_range_ratings_get_different_plans(service, kb):
    first, second = Driver(service), Driver(service, user=type(Driver(service).user)(7, "Kim"))
    for driver, ranges in (
        (first, ["Not yet", "Managerial", "Managerial", "Managerial", "Administrative"]),
        (second, ["Managerial", "Managerial", "Administrative", "Not yet", "Managerial"]),
    ):
        await driver.onboard()
        await rate_population_care(driver, ranges)
        await driver.command("/plan")
    one, two = (gap_ranges(d.text) for d in (first, second))
    care = kb.competency.domain("population-care").ranges
    # Population Care's target is Managerial: the range rated Not yet is furthest below it
    assert one[0] == f"Population Care · {care[0].name}"
    assert one[1] == f"Population Care · {care[4].name}"
    assert two[0] == f"Population Care · {care[3].name}"
    assert two[1] == f"Population Care · {care[2].name}"
    assert "(you rated this range Not yet)" in first.text
    assert f'"{care[0].administrative}"' in first.text  # one level above Not yet, quoted
    assert care[0].source in first.text


async def test_without_range_ratings_the_ranges_follow_the_profile(service, kb):
    manager = Driver(service)
    pcn = Driver(service, user=type(manager.user)(7, "Kim"))
    await manager.onboard(stage="Early", directions=("Moving up",))
    await pcn.command("/start")
    await pcn.tap("OK, let's start")
    await pcn.tap("PCN manager")
    await pcn.tap("Established")
    await pcn.tap("Moving across")
    await pcn.tap("Done")
    for driver in (manager, pcn):
        await driver.assess(LEVELS)
        await driver.command("/plan")
    one, two = gap_ranges(manager.text), gap_ranges(pcn.text)
    assert one and two and one != two
    first_two = [f"{d.name} · {r.name}" for d in kb.competency.domains[:1] for r in d.ranges[:2]]
    assert one[:2] != first_two  # not simply the domain's first two ranges
    assert "picked for your role, stage and directions" in manager.text
    assert "Support: " in manager.text and "Table 4" in manager.text


async def test_a_skipped_domain_is_never_a_gap(service, kb):
    driver = Driver(service)
    await driver.onboard(stage="Established", directions=("Building up",))
    skipped = ["skip", *LEVELS[1:]]
    await driver.command("/assess")
    for level in skipped:
        await driver.tap("Skip" if level == "skip" else level)
    await driver.tap("No thanks")
    assert "Practice Operation and Development: Skipped → Administrative (suggested: " in (
        driver.text
    )
    assert "not rated, a starting point" in driver.text
    await driver.tap("Accept these targets")
    await driver.command("/plan")
    gaps = gap_ranges(driver.text)
    assert gaps
    assert not any(g.startswith("Practice Operation and Development") for g in gaps)
    assert "Practice Operation and Development" not in driver.text.split("Largest gaps")[1]


async def test_progress_shows_no_rise_from_a_skip(service):
    driver = Driver(service)
    await driver.onboard()
    await driver.assess(["skip", *LEVELS[1:]])
    await driver.assess(LEVELS)
    await driver.command("/progress")
    assert "Skipped →" not in driver.text and "▲ Practice Operation" not in driver.text
    assert "Practice Operation and Development: Administrative (skipped last time)" in driver.text


def test_every_target_reason_is_true_for_the_user():
    titles = {"moving-up": "Moving up", "legacy": "Legacy"}
    level, why = suggest_target("strategic", "established", ["moving-up"], titles)
    assert (level, why) == ("strategic", "Strategic: keep Strategic, the framework's top level")
    level, why = suggest_target("strategic", "early", ["moving-up"], titles)
    assert "early career" not in why and level == "strategic"
    level, why = suggest_target("not_yet", "late", ["legacy"], titles)
    assert (level, why) == ("administrative", "Administrative: the framework's first level")
    level, why = suggest_target("managerial", "early", ["moving-up"], titles)
    assert why == "Managerial: early career builds towards Managerial first"


async def test_late_career_plan_names_its_source_without_none(service):
    driver = Driver(service)
    await driver.onboard(stage="Late", directions=("Legacy",))
    await driver.assess(LEVELS)
    await driver.command("/plan")
    assert "None" not in driver.text
    assert "Source: Career development framework (NHS England, 2024), Late career" in driver.text
