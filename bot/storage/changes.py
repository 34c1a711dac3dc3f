"""Changes a conversation step asks the storage layer to make.

The conversation flows are pure functions: they return the next state plus a
list of these values, and `Repository.apply_step` applies them together with
the new conversation state in one transaction (or not at all, when the step is
stale).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from bot.vocabulary import check_level, check_stage


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: "Leave this field as it is" (as opposed to None, which clears it).
UNSET: Final = _Unset.UNSET


@dataclass(frozen=True, slots=True)
class AcceptPrivacy:
    """Record that the user accepted the privacy notice (first acceptance is kept)."""


@dataclass(frozen=True, slots=True)
class SetProfile:
    """Change the given profile fields; fields left as UNSET keep their value."""

    role: str | None | _Unset = UNSET
    career_stage: str | None | _Unset = UNSET
    directions: tuple[str, ...] | _Unset = UNSET
    years_in_management: int | None | _Unset = UNSET

    def __post_init__(self) -> None:
        if self.career_stage is not UNSET:
            check_stage(self.career_stage)
        if self.directions is not UNSET:
            object.__setattr__(self, "directions", tuple(self.directions))


@dataclass(frozen=True, slots=True)
class SetTarget:
    domain_id: str
    level: str

    def __post_init__(self) -> None:
        check_level(self.level)


@dataclass(frozen=True, slots=True)
class StartAssessment:
    """Open a new assessment (earlier ones stay in the history)."""


@dataclass(frozen=True, slots=True)
class RecordRating:
    """Rate a domain (range_id None) or one range, in the user's latest open assessment."""

    domain_id: str
    level: str
    range_id: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        check_level(self.level)


@dataclass(frozen=True, slots=True)
class ClearRating:
    """Remove a rating from the latest open assessment (Skip after Back)."""

    domain_id: str
    range_id: str | None = None


@dataclass(frozen=True, slots=True)
class CompleteAssessment:
    """Close the latest open assessment."""


@dataclass(frozen=True, slots=True)
class AddCpdEntry:
    text: str
    hours: float | None = None
    domain_id: str | None = None
    range_id: str | None = None
    happened_on: date | None = None


@dataclass(frozen=True, slots=True)
class SetPrintDetails:
    """The name as printed on the appraisal PDF and the practice or PCN ("": none given)."""

    print_name: str
    practice: str


@dataclass(frozen=True, slots=True)
class CreateShare:
    """A one-time link (`token`) to a read-only view of the user's plan."""

    token: str


@dataclass(frozen=True, slots=True)
class OpenShare:
    """The user opens someone's share link: they become its appraiser, if nobody is yet."""

    share_id: int
    name: str


@dataclass(frozen=True, slots=True)
class RevokeShare:
    """The owner stops a share link (its appraiser sees nothing more)."""

    share_id: int


@dataclass(frozen=True, slots=True)
class AddComment:
    """The appraiser of a share comments on one objective of the shared plan."""

    share_id: int
    objective_id: int
    text: str


@dataclass(frozen=True, slots=True)
class SignOff:
    """The appraiser of a share signs the plan off: its objectives are locked."""

    share_id: int


@dataclass(frozen=True, slots=True)
class UpdateCpdEntry:
    """Change the user's newest CPD entry: the objective it supports, its reflection."""

    objective_id: int | None | _Unset = UNSET
    reflect_what: str | None | _Unset = UNSET
    reflect_so_what: str | None | _Unset = UNSET
    reflect_now_what: str | None | _Unset = UNSET


@dataclass(frozen=True, slots=True)
class AttachEvidence:
    """A document or photo, stored with the user's newest CPD entry."""

    filename: str
    mime_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ScheduleReminder:
    due_at: datetime
    kind: str

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None or self.due_at.utcoffset() is None:
            raise ValueError("ScheduleReminder.due_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class CancelReminders:
    """Cancel the user's pending (unsent) reminders: of one kind, or every one (None)."""

    kind: str | None = None


OBJECTIVE_STATUSES = ("open", "done", "dropped")


@dataclass(frozen=True, slots=True)
class AddObjective:
    """A SMART objective, with its reminder (kind `objective:<id>`) due at `remind_at`."""

    domain_id: str
    range_id: str | None
    what: str
    evidence: str
    due_on: date
    remind_at: datetime

    def __post_init__(self) -> None:
        if self.remind_at.tzinfo is None or self.remind_at.utcoffset() is None:
            raise ValueError("AddObjective.remind_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class SetObjectiveStatus:
    """Mark one of the user's objectives open, done or dropped (its reminder goes when closed)."""

    objective_id: int
    status: str

    def __post_init__(self) -> None:
        if self.status not in OBJECTIVE_STATUSES:
            raise ValueError(f"unknown objective status {self.status!r}")


@dataclass(frozen=True, slots=True)
class SetGroupOptIns:
    """The user's opt-ins for one peer group: share their levels, domains they mentor in."""

    chat_id: int
    share: bool
    mentor_domains: tuple[str, ...] = ()


Change = (
    AcceptPrivacy
    | SetProfile
    | SetTarget
    | StartAssessment
    | RecordRating
    | ClearRating
    | CompleteAssessment
    | AddCpdEntry
    | ScheduleReminder
    | CancelReminders
    | SetGroupOptIns
    | AddObjective
    | SetObjectiveStatus
    | UpdateCpdEntry
    | AttachEvidence
    | CreateShare
    | OpenShare
    | RevokeShare
    | AddComment
    | SignOff
    | SetPrintDetails
)

__all__ = [
    "OBJECTIVE_STATUSES",
    "UNSET",
    "AcceptPrivacy",
    "AddCpdEntry",
    "AddObjective",
    "AttachEvidence",
    "CancelReminders",
    "Change",
    "ClearRating",
    "CompleteAssessment",
    "RecordRating",
    "ScheduleReminder",
    "SetGroupOptIns",
    "SetObjectiveStatus",
    "SetProfile",
    "SetTarget",
    "StartAssessment",
    "UpdateCpdEntry",
]


#: Changes that alter what the next view may show of the user (privacy, profile, targets).
PROFILE_CHANGES = (AcceptPrivacy, SetProfile, SetTarget)
#: Changes that alter the objectives, share links or comments a view may show.
PLAN_CHANGES = (
    AddObjective,
    SetObjectiveStatus,
    CreateShare,
    OpenShare,
    RevokeShare,
    AddComment,
    SignOff,
)
