"""SMART objectives: set from a plan's gap, each with one reminder before it is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.storage.changes import AddObjective
from bot.storage.direct import built_once
from bot.storage.records import ObjectiveRecord
from bot.storage.reminders import ReminderStore
from bot.storage.statements import param
from bot.storage.tables import Executor, _objectives, rowcount

REMINDER_PREFIX = "objective:"


def reminder_kind(objective_id: int) -> str:
    """The kind of an objective's reminder (the reminder row names its objective)."""
    return f"{REMINDER_PREFIX}{objective_id}"


def objective_of(kind: str) -> int | None:
    """The objective a reminder of this kind is about, or None (a re-assessment reminder)."""
    tail = kind.removeprefix(REMINDER_PREFIX)
    return int(tail) if tail != kind and tail.isdigit() else None


_OBJECTIVES = built_once(
    select(_objectives)
    .where(_objectives.c.user_id == param(_objectives.c.user_id))
    .order_by(_objectives.c.id)
)


def _objectives_of(conn: Connection, user_id: int) -> list[ObjectiveRecord]:
    rows = conn.execute(_OBJECTIVES, {"b_user_id": user_id}).all()
    return [ObjectiveRecord(**r._mapping) for r in rows]


class ObjectiveStore(ReminderStore):
    """Objectives and their reminders."""

    async def objectives(self, user_id: int) -> list[ObjectiveRecord]:
        """The user's objectives, oldest first (read by every plan view: a hot-path transaction)."""
        return await self._transactions.run_each(_objectives_of, user_id)

    async def objective(self, objective_id: int) -> ObjectiveRecord | None:
        async with self._sessions.begin() as s:
            row = (
                await s.execute(select(_objectives).where(_objectives.c.id == objective_id))
            ).one_or_none()
            return ObjectiveRecord(**row._mapping) if row else None

    def _add_objective(self, s: Executor, user_id: int, change: AddObjective, now: datetime) -> int:
        objective_id: int = s.execute(
            _objectives.insert()
            .values(
                user_id=user_id,
                created_at=now,
                domain_id=change.domain_id,
                range_id=change.range_id,
                what=change.what,
                evidence=change.evidence,
                due_on=change.due_on,
                status="open",
            )
            .returning(_objectives.c.id)
        ).scalar_one()
        self._schedule(s, user_id, change.remind_at, reminder_kind(objective_id), now)
        return int(objective_id)

    def _set_objective_status(
        self, s: Executor, user_id: int, objective_id: int, status: str, now: datetime
    ) -> None:
        """Only the user's own objective, not yet signed off, changes; a closed one's reminder
        is cancelled."""
        o = _objectives
        changed = s.execute(
            update(o)
            .where(o.c.id == objective_id, o.c.user_id == user_id, o.c.signed_off_at.is_(None))
            .values(status=status, status_at=now)
        )
        if rowcount(changed) and status != "open":
            self._cancel_reminders(s, user_id, now, reminder_kind(objective_id))
