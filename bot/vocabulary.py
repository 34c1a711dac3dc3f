"""The rating vocabulary, in one place and free of any storage or front-end import.

Rating levels as users pick them ("Not yet" plus the framework's three role levels) and the
career stages; storage checks changes against these, flows and the appraisal pack label them.
"""

from __future__ import annotations

RATING_LEVELS: tuple[str, ...] = ("not_yet", "administrative", "managerial", "strategic")
LABELS: dict[str, str] = {
    "not_yet": "Not yet",
    "administrative": "Administrative",
    "managerial": "Managerial",
    "strategic": "Strategic",
}
CAREER_STAGES: tuple[str, ...] = ("early", "established", "late")


def rank(level: str | None) -> int:
    """0 for Not yet up to 3 for Strategic; -1 for no rating."""
    return RATING_LEVELS.index(level) if level in RATING_LEVELS else -1


def label(level: str | None) -> str:
    return LABELS.get(level or "", "Skipped")


def bar(level: str | None, target: str | None = None) -> str:
    """A compact text bar: filled for where you are, hollow up to the target."""
    now, goal = max(rank(level), 0), max(rank(target), 0)
    return "".join("■" if i < now else ("□" if i < goal else "·") for i in range(3))


def check_level(level: str) -> str:
    """`level` itself, when it is one of the rating levels."""
    if level not in RATING_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(RATING_LEVELS)}")
    return level


def check_stage(stage: str | None) -> str | None:
    """`stage` itself, when it is None or one of the career stages."""
    if stage is not None and stage not in CAREER_STAGES:
        raise ValueError(f"unknown career stage {stage!r}; expected one of {CAREER_STAGES}")
    return stage
