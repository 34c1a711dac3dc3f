"""Self-assessments over time: each a dated set of ratings; history is never overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.changes import check_level
from bot.storage.records import AssessmentClosedError, AssessmentRecord, NoOpenAssessmentError
from bot.storage.store import Store
from bot.storage.tables import (
    _assessment_records,
    _assessments,
    _assessments_with_ratings,
    _insert,
    _range_key,
    _ratings,
)


class AssessmentStore(Store):
    """Assessments and their ratings."""

    async def start_assessment(self, user_id: int) -> int:
        now = self._now()
        async with self._sessions.begin() as s:
            return await self._start_assessment(s, user_id, now)

    async def record_rating(
        self,
        assessment_id: int,
        domain_id: str,
        level: str,
        range_id: str | None = None,
        note: str | None = None,
    ) -> None:
        """Rate (or re-rate, replacing the answer) an item of an open assessment."""
        now = self._now()
        async with self._sessions.begin() as s:
            completed = (
                await s.execute(
                    select(_assessments.c.completed_at).where(_assessments.c.id == assessment_id)
                )
            ).one_or_none()
            if completed is None:
                raise LookupError(f"no assessment {assessment_id}")
            if completed.completed_at is not None:
                raise AssessmentClosedError(f"assessment {assessment_id} is completed")
            await self._record_rating(s, assessment_id, domain_id, level, range_id, note, now)

    async def complete_assessment(self, assessment_id: int) -> bool:
        """Close the assessment; False if it was already completed (or does not exist)."""
        now = self._now()
        async with self._sessions.begin() as s:
            return await self._complete(s, assessment_id, now)

    async def assessment_history(self, user_id: int) -> list[AssessmentRecord]:
        """Completed assessments, oldest first, with their dated ratings."""
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    _assessments_with_ratings()
                    .where(
                        _assessments.c.user_id == user_id,
                        _assessments.c.completed_at.is_not(None),
                    )
                    .order_by(None)
                    .order_by(_assessments.c.completed_at, _assessments.c.id, _ratings.c.id)
                )
            ).all()
            return _assessment_records(rows)

    @staticmethod
    async def _start_assessment(s: AsyncSession, user_id: int, now: datetime) -> int:
        """A new open assessment, replacing any left open (the user chose to start again)."""
        left_open = select(_assessments.c.id).where(
            _assessments.c.user_id == user_id, _assessments.c.completed_at.is_(None)
        )
        await s.execute(delete(_ratings).where(_ratings.c.assessment_id.in_(left_open)))
        await s.execute(delete(_assessments).where(_assessments.c.id.in_(left_open)))
        result = await s.execute(
            _assessments.insert()
            .values(user_id=user_id, started_at=now)
            .returning(_assessments.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    def _open_assessment_id_query(user_id: int) -> Any:
        return select(func.max(_assessments.c.id)).where(
            _assessments.c.user_id == user_id, _assessments.c.completed_at.is_(None)
        )

    async def _require_open_assessment(self, s: AsyncSession, user_id: int) -> int:
        aid = (await s.execute(self._open_assessment_id_query(user_id))).scalar_one_or_none()
        if aid is None:
            raise NoOpenAssessmentError(f"user {user_id} has no open assessment")
        return int(aid)

    @staticmethod
    async def _record_rating(
        s: AsyncSession,
        assessment_id: int,
        domain_id: str,
        level: str,
        range_id: str | None,
        note: str | None,
        now: datetime,
    ) -> None:
        stmt = _insert(s, _ratings).values(
            assessment_id=assessment_id,
            domain_id=domain_id,
            range_id=_range_key(range_id),
            level=check_level(level),
            note=note,
            rated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_ratings.c.assessment_id, _ratings.c.domain_id, _ratings.c.range_id],
            set_={
                "level": stmt.excluded.level,
                "note": stmt.excluded.note,
                "rated_at": stmt.excluded.rated_at,
            },
        )
        await s.execute(stmt)

    @staticmethod
    async def _complete(s: AsyncSession, assessment_id: int, now: datetime) -> bool:
        result = await s.execute(
            update(_assessments)
            .where(_assessments.c.id == assessment_id, _assessments.c.completed_at.is_(None))
            .values(completed_at=now)
        )
        return bool(result.rowcount)
