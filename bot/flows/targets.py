"""careerbot's own rule for a suggested target per domain (not framework content).

One level up for those growing (Moving in, Building up, Moving up, Moving across); where you are
for those maintaining or stepping back (Maintain and refresh, Winding down, Legacy). Early career
stops at Managerial: the framework expects early-career managers to build from a foundation
towards an intermediate level.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.levels import RATING_LEVELS, label, rank

GROWING = ("moving-in", "building-up", "moving-up", "moving-across")
STEADY = ("maintain-and-refresh", "winding-down", "legacy")


def suggest_target(
    current: str | None, stage: str | None, directions: Sequence[str], titles: dict[str, str]
) -> tuple[str, str]:
    """A suggested target level for one domain and the reason, in a short sentence."""
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
    cap = 2 if stage == "early" else 3
    if goal > cap:
        goal, why = max(now, cap), "early career builds towards Managerial first"
    goal = min(max(goal, 1), 3)
    if current is None:
        why = "no rating today; start at Administrative"
        goal = 1
    return RATING_LEVELS[goal], f"{label(RATING_LEVELS[goal])}: {why}"
