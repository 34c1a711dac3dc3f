"""Shared plans: one-time links for an appraiser, their comments per objective and sign-off.

Every write checks who acts: only the owner revokes, only the share's appraiser (the first to
open it) comments or signs off, and nothing happens on a revoked share.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.storage.direct import built_once
from bot.storage.records import CommentRecord, PlanShareRecord
from bot.storage.statements import param
from bot.storage.store import Store
from bot.storage.tables import Executor, _comments, _objectives, _shares, rowcount

_SHARES = built_once(
    select(_shares).where(_shares.c.user_id == param(_shares.c.user_id)).order_by(_shares.c.id)
)
_COMMENTS = built_once(
    select(_comments)
    .join(_shares, _shares.c.id == _comments.c.share_id)
    .where(_shares.c.user_id == param(_shares.c.user_id))
    .order_by(_comments.c.id)
)


def _shares_of(conn: Connection, user_id: int) -> list[PlanShareRecord]:
    rows = conn.execute(_SHARES, {"b_user_id": user_id}).all()
    return [PlanShareRecord(**r._mapping) for r in rows]


def _comments_of(conn: Connection, user_id: int) -> list[CommentRecord]:
    rows = conn.execute(_COMMENTS, {"b_user_id": user_id}).all()
    return [CommentRecord(**r._mapping) for r in rows]


class ShareStore(Store):
    """Plan shares and appraisers' comments."""

    async def share_by_token(self, token: str) -> PlanShareRecord | None:
        async with self._sessions.begin() as s:
            row = (await s.execute(select(_shares).where(_shares.c.token == token))).one_or_none()
            return PlanShareRecord(**row._mapping) if row else None

    async def share(self, share_id: int) -> PlanShareRecord | None:
        async with self._sessions.begin() as s:
            row = (await s.execute(select(_shares).where(_shares.c.id == share_id))).one_or_none()
            return PlanShareRecord(**row._mapping) if row else None

    async def shares(self, user_id: int) -> list[PlanShareRecord]:
        """The user's own shares, oldest first (read by plan views: a hot-path transaction)."""
        return await self._transactions.run_each(_shares_of, user_id)

    async def comments(self, user_id: int) -> list[CommentRecord]:
        """Comments on the user's objectives, through any of their shares, oldest first."""
        return await self._transactions.run_each(_comments_of, user_id)

    @staticmethod
    def _create_share(s: Executor, user_id: int, token: str, now: datetime) -> None:
        s.execute(_shares.insert().values(user_id=user_id, token=token, created_at=now))

    @staticmethod
    def _open_share(s: Executor, user_id: int, share_id: int, name: str, now: datetime) -> bool:
        """Claim the share for its first opener (never its owner); True if claimed."""
        sh = _shares
        result = s.execute(
            update(sh)
            .where(
                sh.c.id == share_id,
                sh.c.appraiser_id.is_(None),
                sh.c.revoked_at.is_(None),
                sh.c.user_id != user_id,
            )
            .values(appraiser_id=user_id, appraiser_name=name[:255], opened_at=now)
        )
        return bool(rowcount(result))

    @staticmethod
    def _revoke_share(s: Executor, user_id: int, share_id: int, now: datetime) -> None:
        sh = _shares
        s.execute(
            update(sh)
            .where(sh.c.id == share_id, sh.c.user_id == user_id, sh.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    @staticmethod
    def _live_share_of(s: Executor, appraiser_id: int, share_id: int) -> int | None:
        """The owner of a share this appraiser holds and its owner has not revoked."""
        sh = _shares
        return s.execute(
            select(sh.c.user_id).where(
                sh.c.id == share_id,
                sh.c.appraiser_id == appraiser_id,
                sh.c.revoked_at.is_(None),
            )
        ).scalar_one_or_none()

    def _add_comment(
        self,
        s: Executor,
        user_id: int,
        share_id: int,
        objective_id: int,
        text: str,
        now: datetime,
    ) -> bool:
        owner = self._live_share_of(s, user_id, share_id)
        owned = s.execute(
            select(_objectives.c.id).where(
                _objectives.c.id == objective_id, _objectives.c.user_id == owner
            )
        ).scalar_one_or_none()
        if owner is None or owned is None:
            return False
        s.execute(
            _comments.insert().values(
                share_id=share_id, objective_id=objective_id, text=text, created_at=now
            )
        )
        return True

    def _sign_off(self, s: Executor, user_id: int, share_id: int, now: datetime) -> None:
        """Sign the shared plan off: the share records it and the owner's objectives lock."""
        owner = self._live_share_of(s, user_id, share_id)
        if owner is None:
            return
        s.execute(
            update(_shares)
            .where(_shares.c.id == share_id, _shares.c.signed_off_at.is_(None))
            .values(signed_off_at=now)
        )
        s.execute(
            update(_objectives)
            .where(_objectives.c.user_id == owner, _objectives.c.signed_off_at.is_(None))
            .values(signed_off_at=now)
        )
