"""The profile radar chart: a phone-sized PNG with something plotted, and its text caption."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from io import BytesIO

import numpy as np
import pytest
from matplotlib.image import imread

from bot.appraisal.chart import MAX_CAPTION, caption, render_radar
from bot.flows.plan import PlanData, build_plan
from bot.knowledge import KnowledgeBase
from bot.storage.records import AssessmentRecord, ProfileRecord, RatingRecord

NOW = [
    "administrative",
    "managerial",
    "not_yet",
    "administrative",
    "managerial",
    "strategic",
    "administrative",
    "not_yet",
    None,  # skipped
]
BEFORE = ["not_yet", "administrative", "not_yet", "not_yet", "managerial"] + [None] * 4


def assessment(kb: KnowledgeBase, n: int, levels: list[str | None]) -> AssessmentRecord:
    at = datetime(2025, 3, n, 9, tzinfo=UTC)
    ratings = {
        d.id: RatingRecord(d.id, None, level, None, at)
        for d, level in zip(kb.competency.domains, levels, strict=True)
        if level
    }
    return AssessmentRecord(n, 42, at, at, ratings)


def profile(kb: KnowledgeBase, targets: bool = True) -> ProfileRecord:
    levels = {
        d.id: "strategic" if i % 3 == 0 else "managerial"
        for i, d in enumerate(kb.competency.domains)
    }
    return ProfileRecord(
        42, "practice-manager", "early", ("moving-up",), targets=levels if targets else {}
    )


def realistic_plan(kb: KnowledgeBase) -> tuple[PlanData, dict[str, str]]:
    """Two assessments (the latest with one domain skipped), targets, stage and direction."""
    history = [assessment(kb, 1, BEFORE), assessment(kb, 20, NOW)]
    plan = build_plan(kb, profile(kb), history)
    assert plan is not None
    return plan, history[0].levels


def skipped_plan(kb: KnowledgeBase, targets: bool = True) -> PlanData:
    """A completed assessment with every domain skipped."""
    plan = build_plan(kb, profile(kb, targets), [assessment(kb, 5, [None] * 9)])
    assert plan is not None
    return plan


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def distinct_colours(png: bytes, box: float) -> int:
    """Distinct RGB colours in the centred square covering `box` of each side."""
    pixels = imread(BytesIO(png))[..., :3]
    h, w = pixels.shape[:2]
    top, left = int(h * (1 - box) / 2), int(w * (1 - box) / 2)
    centre = pixels[top : h - top, left : w - left]
    return len(np.unique((centre * 255).round().astype(np.uint8).reshape(-1, 3), axis=0))


def has_colour(png: bytes, hex_colour: str, tolerance: int = 12) -> bool:
    pixels = (imread(BytesIO(png))[..., :3] * 255).round().astype(int)
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(pixels - rgb).max(axis=-1) <= tolerance).any())


def test_realistic_profile_is_a_phone_sized_png_with_every_line(kb):
    plan, previous = realistic_plan(kb)
    png = render_radar(plan, previous)
    assert png_size(png) == (720, 720)
    assert distinct_colours(png, 0.4) > 20  # the plotted area is not blank
    for colour in ("#0072B2", "#D55E00"):  # Okabe-Ito blue (now) and vermillion (target)
        assert has_colour(png, colour)


def test_the_previous_assessment_adds_a_line(kb):
    plan, previous = realistic_plan(kb)
    assert render_radar(plan, previous) != render_radar(plan, None)


def test_caption_states_every_domain_now_and_target(kb):
    plan, _ = realistic_plan(kb)
    text = caption(plan)
    assert len(text) <= MAX_CAPTION
    assert "assessed 20 Mar 2025" in text
    assert "Practice Operation and Development: Administrative → Strategic" in text
    assert "Population Care: Skipped → Managerial" in text
    assert all(d.name in text for d in kb.competency.domains)


@pytest.mark.parametrize("targets", [True, False], ids=["targets", "no-targets"])
def test_every_domain_skipped_still_draws(kb, targets):
    plan = skipped_plan(kb, targets)
    png = render_radar(plan, None)
    assert png_size(png) == (720, 720)
    assert distinct_colours(png, 0.4) > 1  # rings and labels, nothing to fill
    assert caption(plan).count("Skipped") == 9
    assert ("no target" in caption(plan)) is not targets


def test_charts_drawn_in_parallel_threads_match_one_drawn_alone(kb):
    plan, previous = realistic_plan(kb)
    alone = render_radar(plan, previous)
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda _: render_radar(plan, previous), range(4)))
    assert all(png == alone for png in drawn)
