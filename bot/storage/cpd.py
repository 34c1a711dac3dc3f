"""The CPD and evidence log: entries, their reflections and the files attached to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from bot.storage.changes import UNSET, AttachEvidence, UpdateCpdEntry
from bot.storage.records import CpdEntryRecord, EvidenceFileRecord
from bot.storage.store import Store
from bot.storage.tables import Executor, _cpd, _evidence


class CpdStore(Store):
    """CPD / evidence log entries."""

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

    async def evidence_files(
        self, user_id: int, with_content: bool = False
    ) -> list[EvidenceFileRecord]:
        """The files attached to the user's entries, oldest first (contents only if asked)."""
        e = _evidence
        columns = [e.c.id, e.c.entry_id, e.c.filename, e.c.mime_type, e.c.size, e.c.added_at]
        if with_content:
            columns.append(e.c.content)
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(select(*columns).where(e.c.user_id == user_id).order_by(e.c.id))
            ).all()
            return [EvidenceFileRecord(**r._mapping) for r in rows]

    @staticmethod
    def _add_cpd(
        s: Executor,
        user_id: int,
        text: str,
        hours: float | None,
        domain_id: str | None,
        range_id: str | None,
        now: datetime,
        happened_on: date | None = None,
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
                happened_on=happened_on,
            )
            .returning(_cpd.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    def _newest_entry(s: Executor, user_id: int) -> int | None:
        return s.execute(
            select(_cpd.c.id).where(_cpd.c.user_id == user_id).order_by(_cpd.c.id.desc()).limit(1)
        ).scalar_one_or_none()

    def _update_cpd(self, s: Executor, user_id: int, change: UpdateCpdEntry) -> None:
        values: dict[str, Any] = {
            name: getattr(change, name)
            for name in ("objective_id", "reflect_what", "reflect_so_what", "reflect_now_what")
            if getattr(change, name) is not UNSET
        }
        entry_id = self._newest_entry(s, user_id)
        if values and entry_id is not None:
            s.execute(update(_cpd).where(_cpd.c.id == entry_id).values(**values))

    def _attach(self, s: Executor, user_id: int, change: AttachEvidence, now: datetime) -> None:
        entry_id = self._newest_entry(s, user_id)
        if entry_id is None:
            return
        s.execute(
            _evidence.insert().values(
                user_id=user_id,
                entry_id=entry_id,
                filename=change.filename,
                mime_type=change.mime_type,
                size=len(change.content),
                content=change.content,
                added_at=now,
            )
        )
