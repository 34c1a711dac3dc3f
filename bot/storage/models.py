"""ORM models: the whole stored state of the bot.

Every table that holds data about a person references `users.id` with
`ON DELETE CASCADE`, so forgetting a user can never leave orphans behind.
All timestamps are timezone-aware UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

LEVELS: tuple[str, ...] = ("not_yet", "administrative", "managerial", "strategic")
CAREER_STAGES: tuple[str, ...] = ("early", "established", "late")

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
    message_id: Mapped[int | None] = mapped_column(BigInteger)
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


class CpdEntry(Base):
    __tablename__ = "cpd_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, _user_fk(), index=True)
    logged_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    hours: Mapped[float | None] = mapped_column(Float)
    domain_id: Mapped[str | None] = mapped_column(String(64))
    range_id: Mapped[str | None] = mapped_column(String(64))


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


__all__ = [
    "CAREER_STAGES",
    "DOMAIN_RATING",
    "LEVELS",
    "Assessment",
    "Base",
    "Conversation",
    "CpdEntry",
    "GroupChat",
    "GroupMember",
    "Profile",
    "Rating",
    "Reminder",
    "Target",
    "User",
    "UTCDateTime",
    "utcnow",
]
