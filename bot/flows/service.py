"""Runs one event for one user: load what is stored, take the step, store it, draw the views.

Each call is two short transactions (read, then a versioned write); no database session is
held while a front end talks to the user. Importing this module registers every flow step.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.appraisal.chart import caption, chart_key, render_radar
from bot.appraisal.pdf import render_plan_pdf
from bot.flows import account, assessment, groups, onboarding  # noqa: F401  (registers steps)
from bot.flows.core import IDLE, STEPS, Context, FlowState, Lookup
from bot.flows.cpd import LIST_ACTION, SHOWN, render_log
from bot.flows.events import Command, Event, Tap
from bot.flows.plan import PlanData, build_plan
from bot.flows.router import dispatch, group_in_focus, needs_history
from bot.flows.views import Attachment, View
from bot.knowledge import KnowledgeBase
from bot.storage.changes import PROFILE_CHANGES
from bot.storage.records import (
    AssessmentRecord,
    Membership,
    ProfileRecord,
    Snapshot,
)
from bot.storage.repository import Repository

MAX_PDF_ENTRIES = 500
DRAWING_THREADS = 2


@dataclass(frozen=True, slots=True)
class Reply:
    """What to show: views in order, and a short notice for the tapped button (if any)."""

    views: tuple[View, ...]
    notice: str = ""


@dataclass(frozen=True, slots=True)
class UserRef:
    id: int
    name: str


class Conversations:
    """The conversation service every front end calls."""

    def __init__(
        self,
        repo: Repository,
        kb: KnowledgeBase,
        lookup: Lookup,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repo = repo
        self._kb = kb
        self._lookup = lookup
        self._clock = clock
        # Charts and PDFs are drawn off the event loop, by a few threads of their own: each
        # drawing holds a figure in memory, and more threads than cores would not draw faster.
        self._drawing = ThreadPoolExecutor(DRAWING_THREADS, thread_name_prefix="drawing")

    async def handle(self, user: UserRef, event: Event) -> Reply:
        snapshot = await self._repo.begin_turn(user.id, user.name)
        state = _state_of(snapshot)
        history = membership = None
        if needs_history(state, event):
            history = tuple(await self._repo.assessment_history(user.id))
        if (chat_id := group_in_focus(state, event)) is not None:
            membership = await self._repo.group_membership(chat_id, user.id)
        ctx = self._context(user, snapshot, history, membership)
        outcome = dispatch(state, event, ctx)

        if outcome.action == "forget":
            return await self._forget(user)
        if outcome.action == "export":
            return await self._export(user)
        if outcome.action == LIST_ACTION:
            entries = await self._repo.cpd_entries(user.id, limit=SHOWN + 1)
            outcome = replace(outcome, views=(render_log(self._kb, entries), *outcome.views))

        shown = state
        if outcome.state is not None:
            version = await self._repo.apply_step(
                user.id,
                state.version,
                STEPS[outcome.state.step].flow,
                outcome.state.step,
                dict(outcome.state.payload),
                outcome.changes,
            )
            if version is None:
                return await self._raced(user)
            shown = replace(outcome.state, version=version)
            if any(isinstance(change, PROFILE_CHANGES) for change in outcome.changes):
                snapshot = await self._repo.begin_turn(user.id, user.name)
                ctx = self._context(user, snapshot, history, membership)
        views = list(outcome.views)
        if outcome.show_state:
            views.append(STEPS[shown.step].render(shown, ctx))
        if isinstance(event, Tap) and outcome.state is not None and views:
            views[0] = views[0].replacing()
        if outcome.action == "chart" and views:
            if history is None or outcome.changes:
                history = tuple(await self._repo.assessment_history(user.id))
            views[0] = await self._with_chart(views[0], ctx.profile, history)
        if outcome.then:
            follow = await self.handle(user, Command("start", outcome.then))
            views.extend(follow.views)
        return Reply(tuple(views), outcome.notice)

    def _context(
        self,
        user: UserRef,
        snapshot: Snapshot,
        history: tuple[AssessmentRecord, ...] | None,
        membership: Membership | None = None,
    ) -> Context:
        return Context(
            kb=self._kb,
            lookup=self._lookup,
            user_name=user.name,
            privacy_accepted=bool(snapshot.user and snapshot.user.privacy_accepted_at),
            profile=snapshot.profile,
            history=history,
            membership=membership,
            now=self._clock(),
        )

    async def _raced(self, user: UserRef) -> Reply:
        """Another tap got there first: say so and show where the user is now."""
        snapshot = await self._repo.load_snapshot(user.id)
        state = _state_of(snapshot)
        ctx = self._context(user, snapshot, None)
        view = STEPS[state.step].render(state, ctx)
        return Reply((view,), notice="Already recorded.")

    async def _forget(self, user: UserRef) -> Reply:
        deleted = await self._repo.forget_user(user.id)
        counts = ", ".join(f"{table.replace('_', ' ')}: {n}" for table, n in deleted.items() if n)
        return Reply(
            (
                View(
                    f"Deleted everything I stored about you (rows deleted: {counts or 'none'}). "
                    "Send /start to begin again.",
                    title="Forgotten",
                    replace=True,
                ),
            )
        )

    async def _with_chart(
        self, view: View, profile: ProfileRecord | None, history: Sequence[AssessmentRecord]
    ) -> View:
        """The view with the profile chart attached as a photo, once there is a plan."""
        plan = build_plan(self._kb, profile, history) if profile else None
        if plan is None:
            return view
        png = await self._chart(history, plan)
        photo = Attachment("profile-chart.png", png, caption(plan), kind="photo")
        return replace(view, attachments=(photo, *view.attachments))

    async def _chart(self, history: Sequence[AssessmentRecord], plan: PlanData) -> bytes:
        """The latest assessment's chart: the stored one while it shows the same (a target may
        have changed since), otherwise drawn once, off the event loop, and stored with it."""
        latest, previous = history[-1], _previous(history)
        key = chart_key(plan, previous)
        png = await self._repo.stored_chart(latest.id, key)
        if png is None:
            loop = asyncio.get_running_loop()
            png = await loop.run_in_executor(self._drawing, render_radar, plan, previous)
            await self._repo.store_chart(latest.id, key, png)
        return png

    async def _export(self, user: UserRef) -> Reply:
        data = await self._repo.export_user(user.id)
        content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        document = Attachment(
            "careerbot-export.json", content, "Everything careerbot stores about you."
        )
        snapshot = await self._repo.load_snapshot(user.id)
        history = await self._repo.assessment_history(user.id)
        entries = await self._repo.cpd_entries(user.id, limit=MAX_PDF_ENTRIES)
        plan = build_plan(self._kb, snapshot.profile, history) if snapshot.profile else None
        chart = await self._chart(history, plan) if plan else None
        today = self._clock().date()
        pdf = await asyncio.get_running_loop().run_in_executor(
            self._drawing, render_plan_pdf, self._kb, user.name, today, plan, chart, entries
        )
        plan_doc = Attachment(
            "development-plan.pdf", pdf, "Your development plan, for appraisal or your mentor."
        )
        return Reply(
            (
                View(
                    "Here is everything I store about you, and your development plan as a PDF.",
                    attachments=(document, plan_doc),
                ),
            )
        )


def _previous(history: Sequence[AssessmentRecord]) -> dict[str, str] | None:
    """The levels of the assessment before the latest, if there is one."""
    return history[-2].levels if len(history) > 1 else None


def _state_of(snapshot: Snapshot) -> FlowState:
    conv = snapshot.conversation
    if conv is None or conv.step not in STEPS:
        return FlowState(IDLE, {}, conv.version if conv else 0)
    return FlowState(conv.step, conv.payload, conv.version)
