"""ORM models: the whole stored state of the bot.

Every table that holds data about a person references `users.id` with
`ON DELETE CASCADE`, so forgetting a user can never leave orphans behind.
All timestamps are timezone-aware UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

#: Stored in `ratings.range_id` for the per-domain rating (a real NULL would not
#: take part in the unique constraint on either SQLite or PostgreSQL).
DOMAIN_RATING = ""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that only accepts aware datetimes and always returns UTC.

    SQLite keeps no offset, so values are normalised to UTC before they are
    written (which also keeps string comparisons in SQLite correct) and tagged
    as UTC when read back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: storage needs timezone-aware datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


def _user_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="CASCADE")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    privacy_accepted_at: Mapped[datetime | None]
    #: False once the user has blocked the bot; set back to True when they write again.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Profile(Base):
    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), primary_key=True)
    role: Mapped[str | None] = mapped_column(String(255))
    career_stage: Mapped[str | None] = mapped_column(String(32))
    directions: Mapped[list[str]] = mapped_column(JSON, default=list)
    years_in_management: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]
    #: for the appraisal PDF, asked once: the name as printed (None: not asked yet) and the
    #: practice or PCN ("" when the user skipped it)
    print_name: Mapped[str | None] = mapped_column(String(255))
    practice: Mapped[str | None] = mapped_column(String(255))


class Target(Base):
    __tablename__ = "targets"

    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    #: The profile chart of this assessment (PNG) and a digest of what it shows: drawn once,
    #: drawn again only when what it shows changed (e.g. a target).
    chart_key: Mapped[str | None] = mapped_column(String(64))
    chart_png: Mapped[bytes | None] = mapped_column(LargeBinary)


class Rating(Base):
    """One answer inside an assessment.

    `range_id == DOMAIN_RATING` ("") is the per-domain rating; any other value
    is an optional per-range rating within that domain.
    """

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("assessment_id", "domain_id", "range_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assessments.id", ondelete="CASCADE")
    )
    domain_id: Mapped[str] = mapped_column(String(64))
    range_id: Mapped[str] = mapped_column(String(64), default=DOMAIN_RATING, server_default="")
    level: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime]


class LookupContext(Base):
    """The last framework item shown to a user, so "and strategic?" has something to follow."""

    __tablename__ = "lookup_contexts"

    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), primary_key=True)
    answer_key: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    due_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class Objective(Base):
    """A SMART objective set from a plan's gap: what, how it will be shown, by when."""

    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    created_at: Mapped[datetime]
    domain_id: Mapped[str] = mapped_column(String(64))
    range_id: Mapped[str | None] = mapped_column(String(64))
    what: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    #: open, done or dropped
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    status_at: Mapped[datetime | None]
    #: set when an appraiser signs the plan off: the objective is locked from then on
    signed_off_at: Mapped[datetime | None]


class CpdEntry(Base):
    __tablename__ = "cpd_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    logged_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    hours: Mapped[float | None] = mapped_column(Float)
    domain_id: Mapped[str | None] = mapped_column(String(64))
    range_id: Mapped[str | None] = mapped_column(String(64))
    #: the day it happened, as the user said it ("on Tuesday"); None: the day it was logged
    happened_on: Mapped[date | None] = mapped_column(Date)
    objective_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("objectives.id", ondelete="SET NULL")
    )
    #: the optional reflection: what happened, so what, now what
    reflect_what: Mapped[str | None] = mapped_column(Text)
    reflect_so_what: Mapped[str | None] = mapped_column(Text)
    reflect_now_what: Mapped[str | None] = mapped_column(Text)


class PlanShare(Base):
    """A one-time link to a read-only view of the user's plan, for an appraiser or mentor.

    The appraiser is whoever opens it first (not a foreign key: the row is the owner's, and it
    goes with the owner's /forget, not the appraiser's)."""

    __tablename__ = "plan_shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    appraiser_id: Mapped[int | None] = mapped_column(BigInteger)
    appraiser_name: Mapped[str | None] = mapped_column(String(255))
    opened_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    signed_off_at: Mapped[datetime | None]


class PlanComment(Base):
    """An appraiser's comment on one objective of a shared plan."""

    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    share_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("plan_shares.id", ondelete="CASCADE"), index=True
    )
    objective_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("objectives.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class EvidenceFile(Base):
    """A document or photo attached to a CPD entry, stored with it."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    entry_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("cpd_entries.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime]


class GroupChat(Base):
    __tablename__ = "group_chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255))
    bot_member: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    added_at: Mapped[datetime]


class GroupMember(Base):
    __tablename__ = "group_members"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("group_chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), primary_key=True, index=True)
    joined_at: Mapped[datetime]
    share_profile: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mentor_domains: Mapped[list[str]] = mapped_column(JSON, default=list)


class GroupPicture(Base):
    """The group picture last shown in a group: what it showed (only the domains it could show
    without singling anyone out) and from how many members."""

    __tablename__ = "group_pictures"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("group_chats.id", ondelete="CASCADE"), primary_key=True
    )
    published_at: Mapped[datetime]
    members: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class GroupPictureMember(Base):
    """Whose data (which assessment, which levels) the last group picture was drawn from; the
    next one is drawn only once at least three members' data differ. /forget deletes the row."""

    __tablename__ = "group_picture_members"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("group_pictures.chat_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), primary_key=True, index=True)
    assessment_id: Mapped[int] = mapped_column(Integer)
    levels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HandledUpdate(Base):
    """A Telegram update whose step was stored, so the same update delivered again (the bot
    died before Telegram learnt it was handled) stores nothing twice. No user in it: only the
    update's number and when; rows older than Telegram keeps updates (a day) are pruned."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(index=True)


__all__ = [
    "DOMAIN_RATING",
    "Assessment",
    "Base",
    "Conversation",
    "CpdEntry",
    "EvidenceFile",
    "GroupChat",
    "GroupMember",
    "GroupPicture",
    "GroupPictureMember",
    "HandledUpdate",
    "Objective",
    "PlanComment",
    "PlanShare",
    "Profile",
    "Rating",
    "Reminder",
    "Target",
    "User",
    "UTCDateTime",
    "utcnow",
]
