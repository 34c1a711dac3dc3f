"""Rating levels as users pick them: "Not yet" plus the framework's three role levels."""

from __future__ import annotations

RATING_LEVELS: tuple[str, ...] = ("not_yet", "administrative", "managerial", "strategic")
LABELS: dict[str, str] = {
    "not_yet": "Not yet",
    "administrative": "Administrative",
    "managerial": "Managerial",
    "strategic": "Strategic",
}


def rank(level: str | None) -> int:
    """0 for Not yet up to 3 for Strategic; -1 for no rating."""
    return RATING_LEVELS.index(level) if level in RATING_LEVELS else -1


def label(level: str | None) -> str:
    return LABELS.get(level or "", "Skipped")


def bar(level: str | None, target: str | None = None) -> str:
    """A compact text bar: filled for where you are, hollow up to the target."""
    now, goal = max(rank(level), 0), max(rank(target), 0)
    return "".join("■" if i < now else ("□" if i < goal else "·") for i in range(3))
