"""What a step may read about plan sharing: the owner's links and the comments on them, or, for
an appraiser, the one plan shared with them (loaded by the service only when needed)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.flows.plan import PlanData
from bot.storage.records import CommentRecord, CpdEntryRecord, ObjectiveRecord, PlanShareRecord


@dataclass(frozen=True, slots=True)
class Sharing:
    """The owner's side: their links and the comments made through them."""

    shares: tuple[PlanShareRecord, ...]
    comments: tuple[CommentRecord, ...]


@dataclass(frozen=True, slots=True)
class SharedPlan:
    """The appraiser's side: one share and what it shows (the owner's plan, objectives, CPD)."""

    share: PlanShareRecord
    owner_name: str
    plan: PlanData | None
    objectives: tuple[ObjectiveRecord, ...]
    entries: tuple[CpdEntryRecord, ...]
    comments: tuple[CommentRecord, ...]
