"""Peer groups: memberships and each member's opt-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import DOMAIN_RATING
from bot.storage.profiles import ProfileStore
from bot.storage.records import NAME_MAX, Membership, Mentor, PublishedPicture, SharedProfile
from bot.storage.store import Store
from bot.storage.tables import (
    _assessments,
    _chats,
    _insert,
    _members,
    _picture_members,
    _pictures,
    _ratings,
    _users,
    rowcount,
)

STRATEGIC = "strategic"


class GroupStore(Store):
    """Group chats and memberships."""

    async def group_seen(self, chat_id: int, title: str) -> None:
        """The bot is (still) in this group chat; records the current title."""
        async with self._sessions.begin() as s:
            await self._group_seen(s, chat_id, title, self._now())

    async def member_seen(self, chat_id: int, title: str, user_id: int, name: str) -> None:
        """Someone was seen in a group: the group (its title), the user (their name, active)
        and their membership, in one transaction."""
        now = self._now()
        async with self._sessions.begin() as s:
            await self._group_seen(s, chat_id, title, now)
            await s.run_sync(ProfileStore._touch, user_id, name, now)
            await self._ensure_member(s, chat_id, user_id, now)

    @staticmethod
    async def _group_seen(s: AsyncSession, chat_id: int, title: str, now: datetime) -> None:
        stmt = _insert(s, _chats).values(
            id=chat_id, title=title[:NAME_MAX], bot_member=True, added_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_chats.c.id],
            set_={"title": stmt.excluded.title, "bot_member": True},
        )
        await s.execute(stmt)

    async def group_bot_removed(self, chat_id: int) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(_chats).where(_chats.c.id == chat_id).values(bot_member=False))

    async def group_membership(self, chat_id: int, user_id: int) -> Membership | None:
        """The user's membership of one group with its title and opt-ins, if known."""
        m, c = _members, _chats
        async with self._sessions.begin() as s:
            row = (
                await s.execute(
                    select(c.c.title, m.c.share_profile, m.c.mentor_domains)
                    .join(m, m.c.chat_id == c.c.id)
                    .where(m.c.chat_id == chat_id, m.c.user_id == user_id)
                )
            ).first()
        if row is None:
            return None
        return Membership(chat_id, row.title, row.share_profile, tuple(row.mentor_domains or ()))

    async def leave_group(self, chat_id: int, user_id: int) -> bool:
        """Forget the membership and with it the member's opt-ins for that group."""
        async with self._sessions.begin() as s:
            result = await s.execute(
                delete(_members).where(_members.c.chat_id == chat_id, _members.c.user_id == user_id)
            )
            return bool(rowcount(result))

    async def group_shared_profiles(self, chat_id: int) -> list[SharedProfile]:
        """Latest completed per-domain ratings of active members who opted in to share.

        Members without a completed assessment are left out. Ordered by name.
        """
        m, u = _members, _users
        async with self._sessions.begin() as s:
            members = (
                await s.execute(
                    select(u.c.id, u.c.name)
                    .join(m, m.c.user_id == u.c.id)
                    .where(
                        m.c.chat_id == chat_id, m.c.share_profile.is_(True), u.c.active.is_(True)
                    )
                )
            ).all()
            if not members:
                return []
            names = {row.id: row.name for row in members}
            latest = await self._latest_levels(s, list(names))
            out = [
                SharedProfile(uid, names[uid], row.id, row.completed_at, levels)
                for uid, (row, levels) in latest.items()
            ]
            return sorted(out, key=lambda p: (p.name.casefold(), p.user_id))

    async def group_mentors(self, chat_id: int, domain_id: str) -> list[Mentor]:
        """Active members offering to mentor in `domain_id` in this group, by name.

        An offer counts only while the member's latest assessment still rates that domain
        Strategic: offers are made for Strategic domains, and a later self-assessment may say
        otherwise.
        """
        m, u = _members, _users
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    select(u.c.id, u.c.name, m.c.mentor_domains)
                    .join(m, m.c.user_id == u.c.id)
                    .where(m.c.chat_id == chat_id, u.c.active.is_(True))
                )
            ).all()
            offering = [r for r in rows if domain_id in (r.mentor_domains or ())]
            latest = await self._latest_levels(s, [r.id for r in offering])
        mentors = [
            Mentor(r.id, r.name)
            for r in offering
            if r.id in latest and latest[r.id][1].get(domain_id) == STRATEGIC
        ]
        return sorted(mentors, key=lambda x: (x.name.casefold(), x.user_id))

    async def published_group_picture(self, chat_id: int) -> PublishedPicture | None:
        """The group picture last shown in this group, and whose data it was drawn from."""
        p, pm = _pictures, _picture_members
        async with self._sessions.begin() as s:
            head = (await s.execute(select(p).where(p.c.chat_id == chat_id))).one_or_none()
            if head is None:
                return None
            rows = (await s.execute(select(pm).where(pm.c.chat_id == chat_id))).all()
        drawn_from = {r.user_id: (r.assessment_id, dict(r.levels)) for r in rows}
        return PublishedPicture(head.members, dict(head.counts), drawn_from)

    async def publish_group_picture(self, chat_id: int, picture: PublishedPicture) -> None:
        """Store `picture` as the one this group was shown (replacing the last)."""
        now = self._now()
        p, pm = _pictures, _picture_members
        async with self._sessions.begin() as s:
            await s.execute(delete(p).where(p.c.chat_id == chat_id))
            await s.execute(delete(pm).where(pm.c.chat_id == chat_id))
            await s.execute(
                p.insert().values(
                    chat_id=chat_id,
                    published_at=now,
                    members=picture.members,
                    counts=picture.counts,
                )
            )
            if picture.drawn_from:
                await s.execute(
                    pm.insert(),
                    [
                        {"chat_id": chat_id, "user_id": uid, "assessment_id": aid, "levels": lv}
                        for uid, (aid, lv) in picture.drawn_from.items()
                    ],
                )

    @staticmethod
    async def _latest_levels(
        s: AsyncSession, user_ids: list[int]
    ) -> dict[int, tuple[Any, dict[str, str]]]:
        """Each user's latest completed assessment row and its per-domain levels."""
        if not user_ids:
            return {}
        a, r = _assessments, _ratings
        latest: dict[int, Any] = {}
        for row in (
            await s.execute(
                select(a.c.id, a.c.user_id, a.c.completed_at)
                .where(a.c.user_id.in_(user_ids), a.c.completed_at.is_not(None))
                .order_by(a.c.completed_at, a.c.id)
            )
        ).all():
            latest[row.user_id] = row
        levels: dict[int, dict[str, str]] = {row.id: {} for row in latest.values()}
        if levels:
            for row in (
                await s.execute(
                    select(r.c.assessment_id, r.c.domain_id, r.c.level)
                    .where(r.c.assessment_id.in_(list(levels)), r.c.range_id == DOMAIN_RATING)
                    .order_by(r.c.id)
                )
            ).all():
                levels[row.assessment_id][row.domain_id] = row.level
        return {uid: (row, levels[row.id]) for uid, row in latest.items()}

    @staticmethod
    async def _ensure_member(s: AsyncSession, chat_id: int, user_id: int, now: datetime) -> None:
        await s.execute(
            _insert(s, _chats)
            .values(id=chat_id, title="", bot_member=True, added_at=now)
            .on_conflict_do_nothing(index_elements=[_chats.c.id])
        )
        await s.execute(
            _insert(s, _members)
            .values(
                chat_id=chat_id,
                user_id=user_id,
                joined_at=now,
                share_profile=False,
                mentor_domains=[],
            )
            .on_conflict_do_nothing(index_elements=[_members.c.chat_id, _members.c.user_id])
        )
