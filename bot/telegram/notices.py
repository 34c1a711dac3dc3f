"""Notices on buttons ("That button has expired"), at most one per user every few seconds.

Fifty taps on a dead button get one notice; the rest are answered silently (the answer only
stops the button's spinner), so a hammered button neither floods the chat nor the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable

QUIET_SECONDS = 5.0


class NoticeThrottle:
    """Remembers when each chat was last shown a notice."""

    def __init__(
        self, quiet: float = QUIET_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._quiet = quiet
        self._clock = clock
        self._last: dict[int, float] = {}

    def allow(self, chat_id: int) -> bool:
        """Whether a notice may be shown in `chat_id` now (and, if so, it counts as shown)."""
        now = self._clock()
        if now - self._last.get(chat_id, -self._quiet) < self._quiet:
            return False
        self._last = {c: t for c, t in self._last.items() if now - t < self._quiet}
        self._last[chat_id] = now
        return True
