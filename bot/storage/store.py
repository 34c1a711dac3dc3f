"""The base of every store: one session factory, one clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import utcnow

if TYPE_CHECKING:
    from bot.storage.engine import TimedSessions


class Store:
    """Shared by every store: the session factory and the clock."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | TimedSessions,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock()
