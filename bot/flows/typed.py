"""Text typed at a step that asks for a tap: the button it names, a plea to pick one, or neither.

"2", "practice manager", "established" (the start of "Established career"), "skip" or "admin"
(the start of a label's first word) name a button. A number that is no button, text with no
letter or digit (an emoji), or a start that fits several buttons asks the user to pick one.
Anything else is a question for the lookup engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.flows.views import Button

MIN_PREFIX = 3
_MARKS = re.compile(r"[^\w\s]+")


@dataclass(frozen=True, slots=True)
class PickOne:
    """The text reads as a choice but names none of the `count` buttons (or several)."""

    count: int

    @property
    def message(self) -> str:
        if not self.count:
            return "No buttons to pick just now: ask me a question in words, or /start to carry on."
        span = f"1-{self.count}" if self.count > 1 else "1"
        return f"Pick one of the buttons ({span}), or ask me a question in words."


def words(text: str) -> list[str]:
    """A label or typed text as lower-case words, without marks ("✅", "◀", ",", "?")."""
    return _MARKS.sub(" ", text.replace("_", " ")).casefold().split()


def _starts(typed: list[str], label: list[str]) -> bool:
    """Whether the typed words begin the label's words (the last one may be cut short)."""
    if not typed or len(typed) > len(label):
        return False
    *whole, last = typed
    return label[: len(whole)] == whole and (
        label[len(whole)] == last
        or (len(last) >= MIN_PREFIX and label[len(whole)].startswith(last))
    )


def typed_choice(text: str, buttons: Sequence[Button]) -> str | PickOne | None:
    """The data of the button `text` names, `PickOne` when it names none clearly, or None for a
    question. `buttons` are those with data, numbered from 1 as the front ends show them."""
    choices = [b for b in buttons if b.data]
    typed = text.strip()
    if typed.isdecimal():
        n = int(typed) if len(typed) < 10 else 0  # a longer number names no button
        return choices[n - 1].data if 1 <= n <= len(choices) else PickOne(len(choices))
    if not any(c.isalnum() for c in typed):
        return PickOne(len(choices))
    said = words(typed)
    exact = [b for b in choices if words(b.text) == said]
    if len(exact) == 1:
        return exact[0].data
    started = [b for b in choices if _starts(said, words(b.text))]
    if len(started) == 1:
        return started[0].data
    return PickOne(len(choices)) if started else None
