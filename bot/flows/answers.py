"""Lookup answers drawn as views: the answer text, candidates and related items as buttons."""

from __future__ import annotations

from typing import Any

from bot.flows.callbacks import lookup_data
from bot.flows.views import Button, View, rows

MAX_BUTTONS = 6


def render_answer(answer: Any) -> View:
    """A lookup answer; clarify and "did you mean" candidates become buttons."""
    candidates = list(answer.candidates)[:MAX_BUTTONS]
    if not candidates:
        candidates = list(getattr(answer, "related", ()) or ())[:MAX_BUTTONS]
    buttons = [Button(c.title[:60], lookup_data(c.key)) for c in candidates]
    return View(answer.answer, buttons=rows(*buttons))
