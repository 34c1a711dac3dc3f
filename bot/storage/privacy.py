"""Everything about one user: exported as JSON-ready data, or deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from bot.storage.models import Base
from bot.storage.store import Store
from bot.storage.tables import SENT_AS_FILES, json_ready, owned_rows_clause, rowcount


class PrivacyStore(Store):
    """Export and forget."""

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the user, JSON-ready (datetimes as ISO 8601).

        `{"user_id": ..., "exported_at": ..., "tables": {table: [row, ...]}}`.
        """
        now = self._now()
        tables: dict[str, list[dict[str, Any]]] = {}
        async with self._sessions.begin() as s:
            for table in Base.metadata.sorted_tables:
                clause = owned_rows_clause(table, user_id)
                if clause is None:
                    continue
                stmt = select(table).where(clause).order_by(*table.primary_key.columns)
                rows = (await s.execute(stmt)).all()
                files = {column for name, column in SENT_AS_FILES if name == table.name}
                tables[table.name] = [
                    {k: json_ready(v, k in files) for k, v in row._mapping.items()} for row in rows
                ]
        return {"user_id": user_id, "exported_at": now.isoformat(), "tables": tables}

    async def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about the user; rows deleted per table."""
        counts: dict[str, int] = {}
        async with self._sessions.begin() as s:
            for table in reversed(Base.metadata.sorted_tables):  # children first
                clause = owned_rows_clause(table, user_id)
                if clause is None:
                    continue
                result = await s.execute(delete(table).where(clause))
                counts[table.name] = rowcount(result)
        return counts
