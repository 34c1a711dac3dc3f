"""Re-assessment reminders: scheduled, claimed once, sent, released or cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from bot.storage.records import ReminderRecord
from bot.storage.store import Store
from bot.storage.tables import Executor, _reminder_record, _reminders, _users, rowcount

# A claim not followed by "sent" or a release within this long belonged to a process that died
# mid-send; the reminder is then due again. (A send takes well under a second.)
CLAIM_TIMEOUT = timedelta(minutes=10)


class ReminderStore(Store):
    """Reminders."""

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[ReminderRecord]:
        """Unsent, uncancelled reminders due by `now`, of active users, that nobody holds a
        live claim on (a claim older than `CLAIM_TIMEOUT` belonged to a process that died)."""
        r = _reminders
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    select(r)
                    .join(_users, _users.c.id == r.c.user_id)
                    .where(
                        r.c.due_at <= now,
                        r.c.sent_at.is_(None),
                        _claimable(now),
                        r.c.cancelled_at.is_(None),
                        _users.c.active.is_(True),
                    )
                    .order_by(r.c.due_at, r.c.id)
                    .limit(limit)
                )
            ).all()
            return [_reminder_record(row) for row in rows]

    async def claim_reminder(self, reminder_id: int, claimer: str) -> bool:
        """Atomically claim a reminder for sending; True for exactly one claimer."""
        r = _reminders
        now = self._now()
        async with self._sessions.begin() as s:
            claimed = (
                await s.execute(
                    update(r)
                    .where(
                        r.c.id == reminder_id,
                        r.c.sent_at.is_(None),
                        _claimable(now),
                        r.c.cancelled_at.is_(None),
                    )
                    .values(claimed_by=claimer, claimed_at=now)
                    .returning(r.c.id)
                )
            ).scalar_one_or_none()
            return claimed is not None

    async def release_reminder(self, reminder_id: int, claimer: str) -> bool:
        """Give back a claim whose send failed, so a later run tries again; True if released."""
        async with self._sessions.begin() as s:
            result = await s.execute(
                update(_reminders)
                .where(
                    _reminders.c.id == reminder_id,
                    _reminders.c.claimed_by == claimer,
                    _reminders.c.sent_at.is_(None),
                )
                .values(claimed_by=None, claimed_at=None)
            )
            return bool(rowcount(result))

    async def mark_reminder_sent(self, reminder_id: int) -> None:
        now = self._now()
        async with self._sessions.begin() as s:
            await s.execute(
                update(_reminders).where(_reminders.c.id == reminder_id).values(sent_at=now)
            )

    async def pending_reminders(self, user_id: int) -> list[ReminderRecord]:
        """The user's reminders that are neither sent nor cancelled, soonest first."""
        r = _reminders
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    select(r)
                    .where(
                        r.c.user_id == user_id, r.c.sent_at.is_(None), r.c.cancelled_at.is_(None)
                    )
                    .order_by(r.c.due_at, r.c.id)
                )
            ).all()
            return [_reminder_record(row) for row in rows]

    @staticmethod
    def _schedule(s: Executor, user_id: int, due_at: datetime, kind: str, now: datetime) -> int:
        result = s.execute(
            _reminders.insert()
            .values(user_id=user_id, due_at=due_at, kind=kind, created_at=now)
            .returning(_reminders.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    def _cancel_reminders(s: Executor, user_id: int, now: datetime, kind: str | None = None) -> int:
        """Cancel the user's pending reminders of `kind` (None: of every kind)."""
        r = _reminders
        stmt = update(r).where(
            r.c.user_id == user_id, r.c.sent_at.is_(None), r.c.cancelled_at.is_(None)
        )
        if kind is not None:
            stmt = stmt.where(r.c.kind == kind)
        result = s.execute(stmt.values(cancelled_at=now))
        return rowcount(result)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Nobody holds the reminder, or its holder's claim has lapsed."""
    r = _reminders
    return or_(r.c.claimed_by.is_(None), r.c.claimed_at < now - CLAIM_TIMEOUT)
