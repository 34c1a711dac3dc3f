"""The tables as Core objects, and the small SQL helpers every store shares."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, CursorResult, Result, Table, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.storage.direct import Rows
from bot.storage.models import (
    DOMAIN_RATING,
    Assessment,
    Conversation,
    CpdEntry,
    EvidenceFile,
    GroupChat,
    GroupMember,
    GroupPicture,
    GroupPictureMember,
    LookupContext,
    Objective,
    PlanComment,
    PlanShare,
    Profile,
    Rating,
    Reminder,
    Target,
    User,
)
from bot.storage.records import AssessmentRecord, RatingRecord, ReminderRecord

_users: Table = User.__table__  # type: ignore[assignment]
_profiles: Table = Profile.__table__  # type: ignore[assignment]
_targets: Table = Target.__table__  # type: ignore[assignment]
_assessments: Table = Assessment.__table__  # type: ignore[assignment]
_ratings: Table = Rating.__table__  # type: ignore[assignment]
_conversations: Table = Conversation.__table__  # type: ignore[assignment]
_reminders: Table = Reminder.__table__  # type: ignore[assignment]
_cpd: Table = CpdEntry.__table__  # type: ignore[assignment]
_objectives: Table = Objective.__table__  # type: ignore[assignment]
_evidence: Table = EvidenceFile.__table__  # type: ignore[assignment]
_shares: Table = PlanShare.__table__  # type: ignore[assignment]
_comments: Table = PlanComment.__table__  # type: ignore[assignment]
_chats: Table = GroupChat.__table__  # type: ignore[assignment]
_members: Table = GroupMember.__table__  # type: ignore[assignment]
_lookup_contexts: Table = LookupContext.__table__  # type: ignore[assignment]
_pictures: Table = GroupPicture.__table__  # type: ignore[assignment]
_picture_members: Table = GroupPictureMember.__table__  # type: ignore[assignment]


#: What runs a statement synchronously: a Core connection (the per-update hot path) or an ORM
#: session (the other methods, through `AsyncSession.run_sync`).
Executor = Connection | Session


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (its result is a cursor's)."""
    assert isinstance(result, CursorResult | Rows)  # Rows: on the loop engine (`direct`)
    return result.rowcount


def dialect_name(s: Executor | AsyncSession) -> str:
    return s.dialect.name if isinstance(s, Connection) else s.get_bind().dialect.name


def _insert(s: Executor | AsyncSession, table: Table) -> Any:
    """A dialect-specific INSERT (for ON CONFLICT) on the session's database."""
    if dialect_name(s) == "postgresql":
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
        claimed_at=row.claimed_at,
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


#: Columns whose bytes go along with an export as files of their own (the evidence files): the
#: JSON says so instead of repeating them. Other bytes (an assessment's chart) are in base64.
SENT_AS_FILES = frozenset({("evidence_files", "content")})


def json_ready(value: Any, sent_as_file: bool = False) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        if sent_as_file:  # a file's content: the export sends the file itself
            return f"({len(value)} bytes: sent as a file with this export)"
        return base64.b64encode(value).decode("ascii")  # e.g. an assessment's chart (PNG)
    return value
