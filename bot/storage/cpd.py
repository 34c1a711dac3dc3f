"""The CPD and evidence log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage.records import CpdEntryRecord
from bot.storage.store import Store
from bot.storage.tables import Executor, _cpd


class CpdStore(Store):
    """CPD / evidence log entries."""

    async def add_cpd_entry(
        self,
        user_id: int,
        text: str,
        hours: float | None = None,
        domain_id: str | None = None,
        range_id: str | None = None,
    ) -> int:
        now = self._now()
        async with self._sessions.begin() as s:
            return await s.run_sync(self._add_cpd, user_id, text, hours, domain_id, range_id, now)

    async def cpd_entries(self, user_id: int, limit: int = 50) -> list[CpdEntryRecord]:
        """The user's CPD log, newest first."""
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    select(_cpd)
                    .where(_cpd.c.user_id == user_id)
                    .order_by(_cpd.c.logged_at.desc(), _cpd.c.id.desc())
                    .limit(limit)
                )
            ).all()
            return [CpdEntryRecord(**r._mapping) for r in rows]

    @staticmethod
    def _add_cpd(
        s: Executor,
        user_id: int,
        text: str,
        hours: float | None,
        domain_id: str | None,
        range_id: str | None,
        now: datetime,
    ) -> int:
        result = s.execute(
            _cpd.insert()
            .values(
                user_id=user_id,
                logged_at=now,
                text=text,
                hours=hours,
                domain_id=domain_id,
                range_id=range_id,
            )
            .returning(_cpd.c.id)
        )
        return int(result.scalar_one())
