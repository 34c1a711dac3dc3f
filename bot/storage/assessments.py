"""Self-assessments over time: each a dated set of ratings; history is never overwritten."""

from __future__ import annotations

from datetime import datetime

from bot.storage import statements
from bot.storage.records import AssessmentRecord, NoOpenAssessmentError
from bot.storage.store import Store
from bot.storage.tables import (
    Executor,
    _assessment_records,
    _range_key,
    dialect_name,
    rowcount,
)
from bot.vocabulary import check_level


class AssessmentStore(Store):
    """Assessments and their ratings."""

    async def assessment_history(self, user_id: int) -> list[AssessmentRecord]:
        """Completed assessments, oldest first, with their dated ratings."""
        return await self._transactions.run_each(self._history, user_id)

    async def stored_chart(self, assessment_id: int, key: str) -> bytes | None:
        """The assessment's chart PNG if one was stored with this key (what it shows)."""
        params = {"b_id": assessment_id, "b_chart_key": key}
        return await self._transactions.run_each(
            lambda conn: conn.execute(statements.STORED_CHART, params).scalar_one_or_none()
        )

    async def store_chart(self, assessment_id: int, key: str, png: bytes) -> None:
        """Keep the assessment's chart, replacing one that showed something else."""
        params = {"b_id": assessment_id, "b_chart_key": key, "b_chart_png": png}
        await self._transactions.run(lambda conn: conn.execute(statements.STORE_CHART, params))

    @staticmethod
    def _history(s: Executor, user_id: int) -> list[AssessmentRecord]:
        rows = s.execute(statements.HISTORY, {"b_user_id": user_id}).all()
        return _assessment_records(rows)

    @staticmethod
    def _start_assessment(s: Executor, user_id: int, now: datetime) -> int:
        """A new open assessment, replacing any left open (the user chose to start again)."""
        s.execute(statements.DELETE_LEFT_OPEN_RATINGS, {"b_user_id": user_id})
        s.execute(statements.DELETE_LEFT_OPEN_ASSESSMENTS, {"b_user_id": user_id})
        params = {"b_user_id": user_id, "b_started_at": now}
        return int(s.execute(statements.START_ASSESSMENT, params).scalar_one())

    @staticmethod
    def _require_open_assessment(s: Executor, user_id: int) -> int:
        aid = s.execute(statements.OPEN_ASSESSMENT_ID, {"b_user_id": user_id}).scalar_one_or_none()
        if aid is None:
            raise NoOpenAssessmentError(f"user {user_id} has no open assessment")
        return int(aid)

    @staticmethod
    def _record_rating(
        s: Executor,
        assessment_id: int,
        domain_id: str,
        level: str,
        range_id: str | None,
        note: str | None,
        now: datetime,
    ) -> None:
        s.execute(
            statements.upsert_rating(dialect_name(s)),
            {
                "b_assessment_id": assessment_id,
                "b_domain_id": domain_id,
                "b_range_id": _range_key(range_id),
                "b_level": check_level(level),
                "b_note": note,
                "b_rated_at": now,
            },
        )

    @staticmethod
    def _complete(s: Executor, assessment_id: int, now: datetime) -> bool:
        result = s.execute(
            statements.COMPLETE_ASSESSMENT, {"b_id": assessment_id, "b_completed_at": now}
        )
        return bool(rowcount(result))
