"""All database access of the bot.

Every public method is one transaction and returns plain frozen dataclasses,
dicts or tuples (never ORM objects), so nothing can lazy-load after the
session is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.changes import (
    UNSET,
    AcceptPrivacy,
    AddCpdEntry,
    CancelReminders,
    Change,
    ClearRating,
    CompleteAssessment,
    RecordRating,
    ScheduleReminder,
    SetGroupOptIns,
    SetProfile,
    SetTarget,
    StartAssessment,
    _Unset,
    check_level,
    check_stage,
)
from bot.storage.models import (
    DOMAIN_RATING,
    Assessment,
    Base,
    Conversation,
    CpdEntry,
    GroupChat,
    GroupMember,
    Profile,
    Rating,
    Reminder,
    Target,
    User,
    utcnow,
)

NAME_MAX = 255


# ---------------------------------------------------------------- errors


class StorageError(Exception):
    """Base class of the errors the repository raises on purpose."""


class NoOpenAssessmentError(StorageError):
    """A rating/completion change arrived while the user has no open assessment."""


class AssessmentClosedError(StorageError):
    """Ratings of a completed assessment are history and cannot change."""


# ---------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    first_seen: datetime
    last_seen: datetime
    privacy_accepted_at: datetime | None
    active: bool


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    user_id: int
    role: str | None = None
    career_stage: str | None = None
    directions: tuple[str, ...] = ()
    years_in_management: int | None = None
    updated_at: datetime | None = None
    #: domain_id -> target level
    targets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    flow: str
    step: str
    payload: dict[str, Any]
    version: int
    message_id: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RatingRecord:
    domain_id: str
    range_id: str | None  # None: the per-domain rating
    level: str
    note: str | None
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    id: int
    user_id: int
    started_at: datetime
    completed_at: datetime | None
    #: domain_id -> the per-domain rating
    domain_ratings: dict[str, RatingRecord] = field(default_factory=dict)
    #: (domain_id, range_id) -> the per-range rating
    range_ratings: dict[tuple[str, str], RatingRecord] = field(default_factory=dict)

    @property
    def levels(self) -> dict[str, str]:
        """domain_id -> level of the per-domain ratings."""
        return {d: r.level for d, r in self.domain_ratings.items()}

    @property
    def range_levels(self) -> dict[tuple[str, str], str]:
        return {k: r.level for k, r in self.range_ratings.items()}

    @property
    def notes(self) -> dict[tuple[str, str | None], str]:
        """(domain_id, range_id or None) -> note, for ratings that have one."""
        out: dict[tuple[str, str | None], str] = {}
        for r in (*self.domain_ratings.values(), *self.range_ratings.values()):
            if r.note:
                out[(r.domain_id, r.range_id)] = r.note
        return out


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a conversation step needs about one user."""

    user: UserRecord | None
    profile: ProfileRecord | None
    conversation: ConversationRecord | None
    open_assessment: AssessmentRecord | None


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    id: int
    user_id: int
    due_at: datetime
    kind: str
    created_at: datetime
    sent_at: datetime | None
    claimed_by: str | None
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class CpdEntryRecord:
    id: int
    user_id: int
    logged_at: datetime
    text: str
    hours: float | None
    domain_id: str | None
    range_id: str | None


@dataclass(frozen=True, slots=True)
class SharedProfile:
    """A group member's latest completed per-domain ratings (they opted in to share)."""

    user_id: int
    name: str
    assessment_id: int
    completed_at: datetime
    levels: dict[str, str]


@dataclass(frozen=True, slots=True)
class Membership:
    chat_id: int
    title: str
    share_profile: bool
    mentor_domains: tuple[str, ...]


class Mentor(NamedTuple):
    user_id: int
    name: str


# ---------------------------------------------------------------- helpers

_users: Table = User.__table__  # type: ignore[assignment]
_profiles: Table = Profile.__table__  # type: ignore[assignment]
_targets: Table = Target.__table__  # type: ignore[assignment]
_assessments: Table = Assessment.__table__  # type: ignore[assignment]
_ratings: Table = Rating.__table__  # type: ignore[assignment]
_conversations: Table = Conversation.__table__  # type: ignore[assignment]
_reminders: Table = Reminder.__table__  # type: ignore[assignment]
_cpd: Table = CpdEntry.__table__  # type: ignore[assignment]
_chats: Table = GroupChat.__table__  # type: ignore[assignment]
_members: Table = GroupMember.__table__  # type: ignore[assignment]


def _insert(s: AsyncSession, table: Table) -> Any:
    """A dialect-specific INSERT (for ON CONFLICT) on the session's database."""
    if s.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _range_key(range_id: str | None) -> str:
    return DOMAIN_RATING if range_id is None else range_id


def _rating_record(row: Any) -> RatingRecord:
    return RatingRecord(
        domain_id=row.domain_id,
        range_id=None if row.range_id == DOMAIN_RATING else row.range_id,
        level=row.level,
        note=row.note,
        rated_at=row.rated_at,
    )


def _assessment_records(rows: Iterable[Any]) -> list[AssessmentRecord]:
    """Group rows of (assessment columns..., rating columns prefixed r_) by assessment."""
    found: dict[int, AssessmentRecord] = {}
    for row in rows:
        rec = found.get(row.id)
        if rec is None:
            rec = found[row.id] = AssessmentRecord(
                id=row.id,
                user_id=row.user_id,
                started_at=row.started_at,
                completed_at=row.completed_at,
            )
        if row.domain_id is None:  # outer join: assessment without ratings
            continue
        rating = _rating_record(row)
        if rating.range_id is None:
            rec.domain_ratings[rating.domain_id] = rating
        else:
            rec.range_ratings[(rating.domain_id, rating.range_id)] = rating
    return list(found.values())


def _assessments_with_ratings() -> Any:
    a, r = _assessments, _ratings
    return (
        select(
            a.c.id,
            a.c.user_id,
            a.c.started_at,
            a.c.completed_at,
            r.c.domain_id,
            r.c.range_id,
            r.c.level,
            r.c.note,
            r.c.rated_at,
        )
        .select_from(a.outerjoin(r, r.c.assessment_id == a.c.id))
        .order_by(a.c.id, r.c.id)
    )


def _reminder_record(row: Any) -> ReminderRecord:
    return ReminderRecord(
        id=row.id,
        user_id=row.user_id,
        due_at=row.due_at,
        kind=row.kind,
        created_at=row.created_at,
        sent_at=row.sent_at,
        claimed_by=row.claimed_by,
        cancelled_at=row.cancelled_at,
    )


def owned_rows_clause(table: Table, user_id: int) -> ColumnElement[bool] | None:
    """WHERE clause selecting the rows of `table` that belong to `user_id`, or None.

    A row belongs to the user when it is their `users` row, has `user_id` equal
    to theirs, or references (by foreign key) a row that belongs to them, e.g.
    ratings through assessments. Derived from the metadata, so new tables are
    covered by export and forget without code changes here.
    """
    conds: list[ColumnElement[bool]] = []
    if table.name == _users.name:
        conds.append(table.c.id == user_id)
    if "user_id" in table.c:
        conds.append(table.c.user_id == user_id)
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table
        if parent is table:
            continue
        cols = list(fk.columns)
        if parent.name == _users.name and [c.name for c in cols] == ["user_id"]:
            continue  # already covered by the user_id condition
        parent_clause = owned_rows_clause(parent, user_id)
        if parent_clause is None:
            continue
        referred = [el.column for el in fk.elements]
        if len(cols) == 1:
            conds.append(cols[0].in_(select(referred[0]).where(parent_clause)))
        else:
            conds.append(tuple_(*cols).in_(select(*referred).where(parent_clause)))
    if not conds:
        return None
    return or_(*conds) if len(conds) > 1 else conds[0]


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- repository


class Repository:
    """The bot's storage: one transaction per public method."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock()

    # ------------------------------------------------------------ users

    async def touch_user(self, user_id: int, name: str) -> None:
        """Create the user or refresh name/last_seen; a user who writes again is active."""
        async with self._sessions.begin() as s:
            await s.execute(self._touch_statement(s, user_id, name, self._now()))

    @staticmethod
    def _touch_statement(s: AsyncSession, user_id: int, name: str, now: datetime) -> Any:
        stmt = _insert(s, _users).values(
            id=user_id, name=name[:NAME_MAX], first_seen=now, last_seen=now, active=True
        )
        return stmt.on_conflict_do_update(
            index_elements=[_users.c.id],
            set_={"name": name[:NAME_MAX], "last_seen": now, "active": True},
        )

    async def get_user(self, user_id: int) -> UserRecord | None:
        async with self._sessions.begin() as s:
            row = (await s.execute(select(_users).where(_users.c.id == user_id))).one_or_none()
            return None if row is None else UserRecord(**row._mapping)

    async def accept_privacy(self, user_id: int) -> None:
        now = self._now()
        async with self._sessions.begin() as s:
            await self._accept_privacy(s, user_id, now)

    async def mark_inactive(self, user_id: int) -> None:
        """The user blocked the bot."""
        async with self._sessions.begin() as s:
            await s.execute(update(_users).where(_users.c.id == user_id).values(active=False))

    # ------------------------------------------------------------ snapshot / steps

    async def load_snapshot(self, user_id: int) -> Snapshot:
        async with self._sessions.begin() as s:
            snapshot = await self._snapshot(s, user_id)
            if snapshot.user is None:
                return snapshot
            open_id = self._open_assessment_id_query(user_id).scalar_subquery()
            rows = (
                await s.execute(_assessments_with_ratings().where(_assessments.c.id == open_id))
            ).all()
            found = _assessment_records(rows)
            return replace(snapshot, open_assessment=found[0] if found else None)

    async def begin_turn(self, user_id: int, name: str) -> Snapshot:
        """The read at the start of one update, in one transaction: the user is recorded as seen
        (created if new) and what a conversation step needs comes back (without the open
        assessment, which the steps carry in their payload)."""
        async with self._sessions.begin() as s:
            await s.execute(self._touch_statement(s, user_id, name, self._now()))
            return await self._snapshot(s, user_id)

    async def _snapshot(self, s: AsyncSession, user_id: int) -> Snapshot:
        u, p, c = _users, _profiles, _conversations
        head = (
            await s.execute(
                select(
                    u,
                    p.c.user_id.label("p_user_id"),
                    p.c.role,
                    p.c.career_stage,
                    p.c.directions,
                    p.c.years_in_management,
                    p.c.updated_at.label("p_updated_at"),
                    c.c.user_id.label("c_user_id"),
                    c.c.flow,
                    c.c.step,
                    c.c.payload,
                    c.c.version,
                    c.c.message_id,
                    c.c.updated_at.label("c_updated_at"),
                )
                .select_from(
                    u.outerjoin(p, p.c.user_id == u.c.id).outerjoin(c, c.c.user_id == u.c.id)
                )
                .where(u.c.id == user_id)
            )
        ).one_or_none()
        if head is None:
            return Snapshot(None, None, None, None)
        user = UserRecord(
            id=head.id,
            name=head.name,
            first_seen=head.first_seen,
            last_seen=head.last_seen,
            privacy_accepted_at=head.privacy_accepted_at,
            active=head.active,
        )
        targets = await self._targets(s, user_id)
        profile = None
        if head.p_user_id is not None or targets:
            profile = ProfileRecord(
                user_id=user_id,
                role=head.role,
                career_stage=head.career_stage,
                directions=tuple(head.directions or ()),
                years_in_management=head.years_in_management,
                updated_at=head.p_updated_at,
                targets=targets,
            )
        conversation = None
        if head.c_user_id is not None:
            conversation = ConversationRecord(
                flow=head.flow,
                step=head.step,
                payload=dict(head.payload or {}),
                version=head.version,
                message_id=head.message_id,
                updated_at=head.c_updated_at,
            )
        return Snapshot(user, profile, conversation, None)

    async def apply_step(
        self,
        user_id: int,
        expected_version: int,
        flow: str,
        step: str,
        payload: dict[str, Any],
        changes: Sequence[Change] = (),
        message_id: int | None | _Unset = UNSET,
    ) -> int | None:
        """Save the conversation state and apply `changes`, all in one transaction.

        Only when the stored version still equals `expected_version` (0: no row
        yet); returns the new version, or None when stale (then nothing changed).
        `message_id` is kept unless given. The user must exist (`touch_user`).
        """
        now = self._now()
        async with self._sessions.begin() as s:
            new_version: int | None = None
            if expected_version == 0:
                ins = (
                    _insert(s, _conversations)
                    .values(
                        user_id=user_id,
                        flow=flow,
                        step=step,
                        payload=payload,
                        version=1,
                        message_id=None if message_id is UNSET else message_id,
                        updated_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=[_conversations.c.user_id])
                    .returning(_conversations.c.version)
                )
                new_version = (await s.execute(ins)).scalar_one_or_none()
            if new_version is None:
                values: dict[str, Any] = {
                    "flow": flow,
                    "step": step,
                    "payload": payload,
                    "version": _conversations.c.version + 1,
                    "updated_at": now,
                }
                if message_id is not UNSET:
                    values["message_id"] = message_id
                upd = (
                    update(_conversations)
                    .where(
                        _conversations.c.user_id == user_id,
                        _conversations.c.version == expected_version,
                    )
                    .values(**values)
                    .returning(_conversations.c.version)
                )
                new_version = (await s.execute(upd)).scalar_one_or_none()
            if new_version is None:
                return None
            for change in changes:
                await self._apply_change(s, user_id, change, now)
            return new_version

    async def set_message_id(self, user_id: int, message_id: int | None) -> None:
        """Remember which Telegram message the flow is edited in (no version bump)."""
        async with self._sessions.begin() as s:
            await s.execute(
                update(_conversations)
                .where(_conversations.c.user_id == user_id)
                .values(message_id=message_id)
            )

    async def _apply_change(
        self, s: AsyncSession, user_id: int, change: Change, now: datetime
    ) -> None:
        match change:
            case AcceptPrivacy():
                await self._accept_privacy(s, user_id, now)
            case SetProfile():
                await self._set_profile(
                    s,
                    user_id,
                    now,
                    role=change.role,
                    career_stage=change.career_stage,
                    directions=change.directions,
                    years_in_management=change.years_in_management,
                )
            case SetTarget():
                await self._set_target(s, user_id, change.domain_id, change.level, now)
            case StartAssessment():
                await self._start_assessment(s, user_id, now)
            case RecordRating():
                aid = await self._require_open_assessment(s, user_id)
                await self._record_rating(
                    s, aid, change.domain_id, change.level, change.range_id, change.note, now
                )
            case ClearRating():
                aid = await self._require_open_assessment(s, user_id)
                await s.execute(
                    delete(_ratings).where(
                        _ratings.c.assessment_id == aid,
                        _ratings.c.domain_id == change.domain_id,
                        _ratings.c.range_id == _range_key(change.range_id),
                    )
                )
            case CompleteAssessment():
                aid = await self._require_open_assessment(s, user_id)
                await self._complete(s, aid, now)
            case AddCpdEntry():
                await self._add_cpd(
                    s, user_id, change.text, change.hours, change.domain_id, change.range_id, now
                )
            case ScheduleReminder():
                await self._schedule(s, user_id, change.due_at, change.kind, now)
            case CancelReminders():
                await self._cancel_reminders(s, user_id, now)
            case SetGroupOptIns():
                # Only an existing membership: someone who left cannot opt back in this way.
                await s.execute(
                    update(_members)
                    .where(_members.c.chat_id == change.chat_id, _members.c.user_id == user_id)
                    .values(
                        share_profile=change.share,
                        mentor_domains=list(dict.fromkeys(change.mentor_domains)),
                    )
                )
            case _:
                raise TypeError(f"not a storage change: {change!r}")

    # ------------------------------------------------------------ profile and targets

    async def set_profile(
        self,
        user_id: int,
        *,
        role: str | None | _Unset = UNSET,
        career_stage: str | None | _Unset = UNSET,
        directions: Sequence[str] | _Unset = UNSET,
        years_in_management: int | None | _Unset = UNSET,
    ) -> None:
        """Change the given profile fields (creating the profile when needed)."""
        now = self._now()
        async with self._sessions.begin() as s:
            await self._set_profile(
                s,
                user_id,
                now,
                role=role,
                career_stage=career_stage,
                directions=directions,
                years_in_management=years_in_management,
            )

    async def set_target(self, user_id: int, domain_id: str, level: str) -> None:
        now = self._now()
        async with self._sessions.begin() as s:
            await self._set_target(s, user_id, domain_id, level, now)

    async def latest_profile(self, user_id: int) -> ProfileRecord | None:
        async with self._sessions.begin() as s:
            row = (
                await s.execute(select(_profiles).where(_profiles.c.user_id == user_id))
            ).one_or_none()
            targets = await self._targets(s, user_id)
            if row is None and not targets:
                return None
            if row is None:
                return ProfileRecord(user_id=user_id, targets=targets)
            return ProfileRecord(
                user_id=user_id,
                role=row.role,
                career_stage=row.career_stage,
                directions=tuple(row.directions or ()),
                years_in_management=row.years_in_management,
                updated_at=row.updated_at,
                targets=targets,
            )

    # ------------------------------------------------------------ assessments

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

    # ------------------------------------------------------------ CPD

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
            return await self._add_cpd(s, user_id, text, hours, domain_id, range_id, now)

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

    # ------------------------------------------------------------ reminders

    async def schedule_reminder(self, user_id: int, due_at: datetime, kind: str) -> int:
        now = self._now()
        async with self._sessions.begin() as s:
            return await self._schedule(s, user_id, due_at, kind, now)

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[ReminderRecord]:
        """Unclaimed, unsent, uncancelled reminders due by `now`, of active users."""
        r = _reminders
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    select(r)
                    .join(_users, _users.c.id == r.c.user_id)
                    .where(
                        r.c.due_at <= now,
                        r.c.sent_at.is_(None),
                        r.c.claimed_by.is_(None),
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
        async with self._sessions.begin() as s:
            claimed = (
                await s.execute(
                    update(r)
                    .where(
                        r.c.id == reminder_id,
                        r.c.sent_at.is_(None),
                        r.c.claimed_by.is_(None),
                        r.c.cancelled_at.is_(None),
                    )
                    .values(claimed_by=claimer)
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
                .values(claimed_by=None)
            )
            return bool(result.rowcount)

    async def mark_reminder_sent(self, reminder_id: int) -> None:
        now = self._now()
        async with self._sessions.begin() as s:
            await s.execute(
                update(_reminders).where(_reminders.c.id == reminder_id).values(sent_at=now)
            )

    async def cancel_reminders(self, user_id: int) -> int:
        """Cancel the user's pending reminders; returns how many."""
        now = self._now()
        async with self._sessions.begin() as s:
            return await self._cancel_reminders(s, user_id, now)

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

    # ------------------------------------------------------------ groups

    async def group_seen(self, chat_id: int, title: str) -> None:
        """The bot is (still) in this group chat; records the current title."""
        now = self._now()
        async with self._sessions.begin() as s:
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

    async def join_group(self, chat_id: int, user_id: int) -> None:
        """Record membership (idempotent). The user must exist (`touch_user`)."""
        now = self._now()
        async with self._sessions.begin() as s:
            await self._ensure_member(s, chat_id, user_id, now)

    async def set_group_sharing(self, chat_id: int, user_id: int, share: bool) -> None:
        now = self._now()
        async with self._sessions.begin() as s:
            await self._ensure_member(s, chat_id, user_id, now)
            await s.execute(
                update(_members)
                .where(_members.c.chat_id == chat_id, _members.c.user_id == user_id)
                .values(share_profile=share)
            )

    async def set_mentor_domains(self, chat_id: int, user_id: int, domains: Sequence[str]) -> None:
        now = self._now()
        async with self._sessions.begin() as s:
            await self._ensure_member(s, chat_id, user_id, now)
            await s.execute(
                update(_members)
                .where(_members.c.chat_id == chat_id, _members.c.user_id == user_id)
                .values(mentor_domains=list(dict.fromkeys(domains)))
            )

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
            return bool(result.rowcount)

    async def group_shared_profiles(self, chat_id: int) -> list[SharedProfile]:
        """Latest completed per-domain ratings of active members who opted in to share.

        Members without a completed assessment are left out. Ordered by name.
        """
        m, u, a, r = _members, _users, _assessments, _ratings
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
            latest: dict[int, Any] = {}
            for row in (
                await s.execute(
                    select(a.c.id, a.c.user_id, a.c.completed_at)
                    .where(a.c.user_id.in_(list(names)), a.c.completed_at.is_not(None))
                    .order_by(a.c.completed_at, a.c.id)
                )
            ).all():
                latest[row.user_id] = row
            if not latest:
                return []
            levels: dict[int, dict[str, str]] = {row.id: {} for row in latest.values()}
            for row in (
                await s.execute(
                    select(r.c.assessment_id, r.c.domain_id, r.c.level)
                    .where(r.c.assessment_id.in_(list(levels)), r.c.range_id == DOMAIN_RATING)
                    .order_by(r.c.id)
                )
            ).all():
                levels[row.assessment_id][row.domain_id] = row.level
            out = [
                SharedProfile(
                    user_id=uid,
                    name=names[uid],
                    assessment_id=row.id,
                    completed_at=row.completed_at,
                    levels=levels[row.id],
                )
                for uid, row in latest.items()
            ]
            return sorted(out, key=lambda p: (p.name.casefold(), p.user_id))

    async def group_mentors(self, chat_id: int, domain_id: str) -> list[Mentor]:
        """Active members offering to mentor in `domain_id` in this group, by name."""
        m, u = _members, _users
        async with self._sessions.begin() as s:
            rows = (
                await s.execute(
                    select(u.c.id, u.c.name, m.c.mentor_domains)
                    .join(m, m.c.user_id == u.c.id)
                    .where(m.c.chat_id == chat_id, u.c.active.is_(True))
                )
            ).all()
        mentors = [Mentor(r.id, r.name) for r in rows if domain_id in (r.mentor_domains or ())]
        return sorted(mentors, key=lambda x: (x.name.casefold(), x.user_id))

    # ------------------------------------------------------------ export / forget

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
                tables[table.name] = [
                    {k: _json_ready(v) for k, v in row._mapping.items()} for row in rows
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
                counts[table.name] = int(result.rowcount or 0)
        return counts

    # ------------------------------------------------------------ in-transaction helpers

    @staticmethod
    async def _targets(s: AsyncSession, user_id: int) -> dict[str, str]:
        rows = await s.execute(
            select(_targets.c.domain_id, _targets.c.level)
            .where(_targets.c.user_id == user_id)
            .order_by(_targets.c.domain_id)
        )
        return {row.domain_id: row.level for row in rows}

    @staticmethod
    async def _accept_privacy(s: AsyncSession, user_id: int, now: datetime) -> None:
        await s.execute(
            update(_users)
            .where(_users.c.id == user_id, _users.c.privacy_accepted_at.is_(None))
            .values(privacy_accepted_at=now)
        )

    @staticmethod
    async def _set_profile(
        s: AsyncSession,
        user_id: int,
        now: datetime,
        *,
        role: str | None | _Unset,
        career_stage: str | None | _Unset,
        directions: Sequence[str] | _Unset,
        years_in_management: int | None | _Unset,
    ) -> None:
        given: dict[str, Any] = {}
        if role is not UNSET:
            given["role"] = role
        if career_stage is not UNSET:
            given["career_stage"] = check_stage(career_stage)  # type: ignore[arg-type]
        if directions is not UNSET:
            given["directions"] = list(directions)  # type: ignore[arg-type]
        if years_in_management is not UNSET:
            given["years_in_management"] = years_in_management
        stmt = _insert(s, _profiles).values(
            user_id=user_id,
            role=given.get("role"),
            career_stage=given.get("career_stage"),
            directions=given.get("directions", []),
            years_in_management=given.get("years_in_management"),
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_profiles.c.user_id],
            set_={name: getattr(stmt.excluded, name) for name in [*given, "updated_at"]},
        )
        await s.execute(stmt)

    @staticmethod
    async def _set_target(
        s: AsyncSession, user_id: int, domain_id: str, level: str, now: datetime
    ) -> None:
        stmt = _insert(s, _targets).values(
            user_id=user_id, domain_id=domain_id, level=check_level(level), set_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[_targets.c.user_id, _targets.c.domain_id],
            set_={"level": stmt.excluded.level, "set_at": stmt.excluded.set_at},
        )
        await s.execute(stmt)

    @staticmethod
    async def _start_assessment(s: AsyncSession, user_id: int, now: datetime) -> int:
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

    @staticmethod
    async def _add_cpd(
        s: AsyncSession,
        user_id: int,
        text: str,
        hours: float | None,
        domain_id: str | None,
        range_id: str | None,
        now: datetime,
    ) -> int:
        result = await s.execute(
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

    @staticmethod
    async def _schedule(
        s: AsyncSession, user_id: int, due_at: datetime, kind: str, now: datetime
    ) -> int:
        result = await s.execute(
            _reminders.insert()
            .values(user_id=user_id, due_at=due_at, kind=kind, created_at=now)
            .returning(_reminders.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    async def _cancel_reminders(s: AsyncSession, user_id: int, now: datetime) -> int:
        r = _reminders
        result = await s.execute(
            update(r)
            .where(r.c.user_id == user_id, r.c.sent_at.is_(None), r.c.cancelled_at.is_(None))
            .values(cancelled_at=now)
        )
        return int(result.rowcount or 0)

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


__all__ = [
    "AssessmentClosedError",
    "AssessmentRecord",
    "ConversationRecord",
    "CpdEntryRecord",
    "Mentor",
    "NoOpenAssessmentError",
    "ProfileRecord",
    "RatingRecord",
    "ReminderRecord",
    "Repository",
    "SharedProfile",
    "Snapshot",
    "StorageError",
    "UserRecord",
    "owned_rows_clause",
]
