"""The orchestrator: runs one event for one user (load what is stored, take the step, store
it, draw the views).

Each call is two short transactions (read, then a versioned write); no database session is
held while a front end talks to the user. Importing the router registers every flow step.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.flows import aboutme, legacy
from bot.flows.core import IDLE, STEPS, Context, FlowState, Load, Lookup, Outcome
from bot.flows.cpd import SHOWN, render_log
from bot.flows.effects import AttachChart, ExportData, ForgetUser, ShowCpdLog
from bot.flows.events import Command, Event, Tap
from bot.flows.plan import PlanData, build_plan
from bot.flows.router import Turn, dispatch, read
from bot.flows.shared import SharedPlan, Sharing
from bot.flows.views import Attachment, View
from bot.flows.words import plural
from bot.knowledge import KnowledgeBase
from bot.storage.changes import PLAN_CHANGES, PROFILE_CHANGES
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
    """What to show: views in order, and a short notice for the tapped button (if any).

    `forgotten`: the user's data was just deleted (a front end drops what it saved for them).
    """

    views: tuple[View, ...]
    notice: str = ""
    forgotten: bool = False


RACED = Reply((), notice="Already recorded.")
"""Another tap got there first (its reply shows where the user is): said on the button only."""


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
        drawing: Executor | None = None,
    ) -> None:
        self._repo = repo
        self._kb = kb
        self._lookup = lookup
        self._clock = clock
        # Charts and PDFs are drawn off the event loop, by a few threads of their own: each
        # drawing holds a figure in memory, and more threads than cores would not draw faster.
        # `drawing` (DRAWING_PROCESSES, bot/drawing.py) draws them in other processes instead.
        self._drawing = drawing or ThreadPoolExecutor(DRAWING_THREADS, thread_name_prefix="drawing")
        #: the bot's @username, for t.me links (set by the Telegram front end once it knows it)
        self.bot_username = ""

    async def handle(self, user: UserRef, event: Event) -> Reply:
        turns: list[Turn] = []  # the turn as read inside the transaction, to read it once

        def needs_history(snapshot: Snapshot) -> bool:
            turns.append(read(_state_of(snapshot), event))
            return "history" in turns[-1].loads

        snapshot = await self._repo.begin_turn(user.id, user.name, needs_history)
        state = _state_of(snapshot)
        turn = turns[-1]
        history, membership = snapshot.history, None
        if turn.group is not None:
            membership = await self._repo.group_membership(turn.group, user.id)
        ctx = await self._with_extras(
            self._context(user, snapshot, history, membership), turn.loads, turn.shared
        )
        if turn.question is not None:
            ctx = await self._with_question_context(user, ctx, turn.question)
        if "open_assessment" in turn.loads:
            opened = (await self._repo.load_snapshot(user.id)).open_assessment
            ctx = replace(ctx, open_assessment=opened)
        outcome = dispatch(state, turn, ctx)
        if outcome.remember:
            await self._repo.remember_answer(user.id, outcome.remember)

        if isinstance(outcome.effect, ForgetUser):
            return await self._forget(user)
        if isinstance(outcome.effect, ExportData) and outcome.state is None:
            exported = await self._export(user)
            if ctx.profile is None or await self._repo.print_details(user.id) is not None:
                return exported
            # asked once, after the first PDF: how to print the name, and the practice or PCN
            outcome = Outcome(state.moved("pdf_name"), views=exported.views)
        if isinstance(outcome.effect, ShowCpdLog):
            entries = await self._repo.cpd_entries(user.id, limit=SHOWN + 1)
            outcome = replace(outcome, views=(render_log(self._kb, entries), *outcome.views))

        shown = state
        if outcome.state is not None:
            step = (
                user.id,
                state.version,
                STEPS[outcome.state.step].flow,
                outcome.state.step,
                dict(outcome.state.payload),
                outcome.changes,
            )
            after: Snapshot | None = None
            if any(isinstance(change, PROFILE_CHANGES) for change in outcome.changes):
                version, after = await self._repo.apply_step_and_read(*step)
            else:
                version = await self._repo.apply_step(*step)
            if version is None:
                return RACED
            shown = replace(outcome.state, version=version)
            if isinstance(outcome.effect, ExportData):
                return await self._export(user)
            if after is not None:
                fresh = self._context(user, after, history, membership)
                ctx = replace(
                    fresh, objectives=ctx.objectives, sharing=ctx.sharing, shared=ctx.shared
                )
            if any(isinstance(change, PLAN_CHANGES) for change in outcome.changes):
                next_turn = read(shown, event)
                ctx = await self._with_extras(ctx, next_turn.loads, next_turn.shared)
        views = list(outcome.views)
        if outcome.show_state:
            views.append(STEPS[shown.step].render(shown, ctx))
        if isinstance(event, Tap) and outcome.state is not None and views:
            views[0] = views[0].replacing()
        if isinstance(outcome.effect, AttachChart) and views:
            plan = outcome.effect.plan  # built by the step from ctx's profile and history
            if history is None or outcome.changes:
                history, plan = tuple(await self._repo.assessment_history(user.id)), None
            views[0] = await self._with_chart(views[0], ctx.profile, history, plan)
        if outcome.then:
            follow = await self.handle(user, Command("start", outcome.then))
            views.extend(follow.views)
        return Reply(tuple(views), outcome.notice)

    async def _with_extras(
        self, ctx: Context, loads: Collection[Load], shared: str | int | None
    ) -> Context:
        """The context with the objectives, share links or shared plan an event reads."""
        user_id = ctx.user_id
        if "objectives" in loads:
            ctx = replace(ctx, objectives=tuple(await self._repo.objectives(user_id)))
        if "sharing" in loads:
            sharing = Sharing(
                tuple(await self._repo.shares(user_id)), tuple(await self._repo.comments(user_id))
            )
            ctx = replace(ctx, sharing=sharing)
        if shared is not None:
            ctx = replace(ctx, shared=await self._shared_plan(shared))
        return ctx

    async def _shared_plan(self, focus: str | int) -> SharedPlan | None:
        """A share (by token or id) with what it shows of its owner's plan."""
        if isinstance(focus, str):
            share = await self._repo.share_by_token(focus)
        else:
            share = await self._repo.share(focus)
        if share is None:
            return None
        owner = await self._repo.load_snapshot(share.user_id)
        history = await self._repo.assessment_history(share.user_id)
        plan = build_plan(self._kb, owner.profile, history) if owner.profile else None
        return SharedPlan(
            share=share,
            owner_name=owner.user.name if owner.user else "",
            plan=plan,
            objectives=tuple(await self._repo.objectives(share.user_id)),
            entries=tuple(await self._repo.cpd_entries(share.user_id, limit=MAX_PDF_ENTRIES)),
            comments=tuple(await self._repo.comments(share.user_id)),
        )

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
            bot_username=self.bot_username,
            user_id=user.id,
        )

    async def _with_question_context(self, user: UserRef, ctx: Context, question: str) -> Context:
        """What a typed question may refer to: the last answer shown, or the user's reminders."""
        if aboutme.intent(question) == aboutme.REVIEW:
            return replace(ctx, reminders=tuple(await self._repo.pending_reminders(user.id)))
        return replace(ctx, lookup_context=await self._repo.last_answer(user.id))

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
            ),
            forgotten=True,
        )

    async def _with_chart(
        self,
        view: View,
        profile: ProfileRecord | None,
        history: Sequence[AssessmentRecord],
        plan: PlanData | None = None,
    ) -> View:
        """The view with the profile chart attached as a photo, once there is a plan (`plan`:
        the one already built from this profile and history, if any)."""
        if plan is None and profile:
            plan = build_plan(self._kb, profile, history)
        if plan is None:
            return view
        from bot.appraisal.chart import caption  # matplotlib: loaded with the first chart

        png = await self._chart(history, plan)
        photo = Attachment("profile-chart.png", png, caption(plan), kind="photo")
        return replace(view, attachments=(photo, *view.attachments))

    async def _chart(self, history: Sequence[AssessmentRecord], plan: PlanData) -> bytes:
        """The latest assessment's chart: the stored one while it shows the same (a target may
        have changed since), otherwise drawn once, off the event loop, and stored with it."""
        from bot.appraisal.chart import chart_key, render_radar

        latest, previous = history[-1], _previous(history)
        key = chart_key(plan, previous)
        png = await self._repo.stored_chart(latest.id, key)
        if png is None:
            loop = asyncio.get_running_loop()
            png = await loop.run_in_executor(self._drawing, render_radar, plan, previous)
            await self._repo.store_chart(latest.id, key, png)
        return png

    async def _export(self, user: UserRef) -> Reply:
        from bot.appraisal.pdf import Appraisal, render_plan_pdf  # fpdf: loaded when first asked

        data = await self._repo.export_user(user.id)
        content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        document = Attachment(
            "careerbot-export.json", content, "Everything careerbot stores about you."
        )
        snapshot = await self._repo.load_snapshot(user.id)
        history = await self._repo.assessment_history(user.id)
        entries = await self._repo.cpd_entries(user.id, limit=MAX_PDF_ENTRIES)
        plan = build_plan(self._kb, snapshot.profile, history) if snapshot.profile else None
        files = await self._repo.evidence_files(user.id, with_content=True)
        name, practice = await self._repo.print_details(user.id) or (user.name, "")
        about = Appraisal(
            role=snapshot.profile.role if snapshot.profile else None,
            practice=practice,
            history=history,
            objectives=await self._repo.objectives(user.id),
            files=files,
            comments=await self._repo.comments(user.id),
            shares=await self._repo.shares(user.id),
        )
        chart = await self._chart(history, plan) if plan else None
        today = self._clock().date()
        pdf = await asyncio.get_running_loop().run_in_executor(
            self._drawing, render_plan_pdf, self._kb, name, today, plan, chart, entries, about
        )
        plan_doc = Attachment(
            "development-plan.pdf", pdf, "Your development plan, for appraisal or your mentor."
        )
        evidence = tuple(
            Attachment(f.filename, f.content, f"Evidence, {f.added_at:%d %b %Y}") for f in files
        )
        also = f" and your {plural(len(files), 'evidence file')}" if files else ""
        return Reply(
            (
                View(
                    "Here is everything I store about you, and your development plan as a "
                    f"PDF{also}.",
                    attachments=(document, plan_doc, *evidence),
                ),
            )
        )


def _previous(history: Sequence[AssessmentRecord]) -> dict[str, str] | None:
    """The levels of the assessment before the latest, if there is one."""
    return history[-2].levels if len(history) > 1 else None


def _state_of(snapshot: Snapshot) -> FlowState:
    conv = snapshot.conversation
    step = legacy.step_name(conv.step) if conv else IDLE
    if conv is None or step not in STEPS:
        return FlowState(IDLE, {}, conv.version if conv else 0)
    return FlowState(step, legacy.payload(conv.payload), conv.version)
