"""What the repository returns: plain frozen records, never ORM objects, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

NAME_MAX = 255


# ---------------------------------------------------------------- errors


class StorageError(Exception):
    """Base class of the errors the repository raises on purpose."""


class NoOpenAssessmentError(StorageError):
    """A rating/completion change arrived while the user has no open assessment."""


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
    #: completed assessments, oldest first, when the turn asked for them (`begin_turn`)
    history: tuple[AssessmentRecord, ...] | None = None


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    id: int
    user_id: int
    due_at: datetime
    kind: str
    created_at: datetime
    sent_at: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
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
    happened_on: date | None = None
    objective_id: int | None = None
    reflect_what: str | None = None
    reflect_so_what: str | None = None
    reflect_now_what: str | None = None

    @property
    def day(self) -> date:
        """The day it happened: as the user said, else the day it was logged."""
        return self.happened_on or self.logged_at.date()


@dataclass(frozen=True, slots=True)
class EvidenceFileRecord:
    id: int
    entry_id: int
    filename: str
    mime_type: str
    size: int
    added_at: datetime
    content: bytes = b""  # left empty where only the names are needed


@dataclass(frozen=True, slots=True)
class ObjectiveRecord:
    id: int
    user_id: int
    created_at: datetime
    domain_id: str
    range_id: str | None
    what: str
    evidence: str
    due_on: date
    status: str  # open, done or dropped
    status_at: datetime | None
    signed_off_at: datetime | None = None  # locked by an appraiser's sign-off


@dataclass(frozen=True, slots=True)
class PlanShareRecord:
    id: int
    user_id: int
    token: str
    created_at: datetime
    appraiser_id: int | None
    appraiser_name: str | None
    opened_at: datetime | None
    revoked_at: datetime | None
    signed_off_at: datetime | None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    id: int
    share_id: int
    objective_id: int
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SharedProfile:
    """A group member's latest completed per-domain ratings (they opted in to share)."""

    user_id: int
    name: str
    assessment_id: int
    completed_at: datetime
    levels: dict[str, str]


@dataclass(frozen=True, slots=True)
class PublishedPicture:
    """A group picture as shown: `counts` per domain it could show (level, or "none" for
    unrated, to members), from `members` sharers, drawn from `drawn_from` (user id ->
    assessment id and levels; members who have since used /forget are missing)."""

    members: int
    counts: dict[str, dict[str, int]]
    drawn_from: dict[int, tuple[int, dict[str, str]]]


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
