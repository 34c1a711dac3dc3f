"""What a user's follow-up questions refer to: the last framework answer they were shown."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.store import Store
from bot.storage.tables import _insert, _lookup_contexts


class LookupContextStore(Store):
    """One row per user: the key of the last lookup answer (kept across restarts)."""

    async def last_answer(self, user_id: int) -> str | None:
        async with self._sessions.begin() as s:
            found = await s.execute(
                select(_lookup_contexts.c.answer_key).where(_lookup_contexts.c.user_id == user_id)
            )
            return found.scalar_one_or_none()

    async def remember_answer(self, user_id: int, answer_key: str) -> None:
        """Store the key of the answer just shown (the user must exist)."""
        now = self._now()
        async with self._sessions.begin() as s:
            statement = _insert(s, _lookup_contexts).values(
                user_id=user_id, answer_key=answer_key[:255], updated_at=now
            )
            await s.execute(
                statement.on_conflict_do_update(
                    index_elements=[_lookup_contexts.c.user_id],
                    set_={"answer_key": statement.excluded.answer_key, "updated_at": now},
                )
            )
