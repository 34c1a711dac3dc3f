"""careerbot's own rule for a suggested target per domain (not framework content).

One level up for those growing (Moving in, Building up, Moving up, Moving across); where you are
for those maintaining or stepping back (Maintain and refresh, Winding down, Legacy). Early career
stops at Managerial: the framework expects early-career managers to build from a foundation
towards an intermediate level. Strategic is the top level: nobody is pointed past it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.vocabulary import RATING_LEVELS, label, rank

GROWING = ("moving-in", "building-up", "moving-up", "moving-across")
STEADY = ("maintain-and-refresh", "winding-down", "legacy")
TOP = len(RATING_LEVELS) - 1
EARLY_CAP = 2  # Managerial


def suggest_target(
    current: str | None, stage: str | None, directions: Sequence[str], titles: dict[str, str]
) -> tuple[str, str]:
    """A suggested target level for one domain and the reason, in a short sentence that is
    true for this user (a skipped domain is not rated, so it gets a starting point only)."""
    if current is None:
        return RATING_LEVELS[1], f"{label(RATING_LEVELS[1])}: not rated, a starting point"
    now = max(rank(current), 0)
    growing = [titles.get(d, d) for d in directions if d in GROWING]
    steady = [titles.get(d, d) for d in directions if d in STEADY]
    if growing:
        goal, why = now + 1, f"one level up, as you chose {growing[0]}"
    elif steady:
        goal, why = now, f"keep your level, as you chose {steady[0]}"
    elif stage == "late":
        goal, why = now, "keep your level at a late career stage"
    else:
        goal, why = now + 1, "one level up: no direction chosen"
    if now >= TOP and goal > TOP:
        goal, why = TOP, "keep Strategic, the framework's top level"
    elif stage == "early" and goal > EARLY_CAP:
        goal, why = max(now, EARLY_CAP), "early career builds towards Managerial first"
    if goal < 1:
        goal, why = 1, "the framework's first level"
    return RATING_LEVELS[goal], f"{label(RATING_LEVELS[goal])}: {why}"
