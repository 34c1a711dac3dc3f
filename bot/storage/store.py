"""The base of every store: one session factory, one clock, and where hot-path transactions run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import utcnow
from bot.storage.transactions import OnAsyncEngine, Transactions


class Store:
    """Shared by every store: the session factory, the clock and the hot path's transactions
    (by default on the sessions' engine)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] = utcnow,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._transactions = transactions or OnAsyncEngine(sessions.kw["bind"])

    def _now(self) -> datetime:
        return self._clock()
