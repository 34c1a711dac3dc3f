"""SMART objectives (`/objective`, `/objectives`): from a plan's gap, what you will do, how you
will show it and by when; open, done or dropped; one reminder a week before the due date.

A re-assessment asks about each open objective before it shows the plan (`after_assessment`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from bot.flows.callbacks import go_data
from bot.flows.core import (
    IDLE,
    INVALID,
    CommandSpec,
    Context,
    FlowState,
    Load,
    Outcome,
    Step,
    register,
)
from bot.flows.cpd import clean_entry, supports
from bot.flows.dates import due_date
from bot.flows.effects import AttachChart
from bot.flows.plan import PlanData, build_plan, render_plan
from bot.flows.values import index, number
from bot.flows.views import Button, View, rows
from bot.knowledge import KnowledgeBase
from bot.storage.changes import AddObjective, SetObjectiveStatus
from bot.storage.records import ObjectiveRecord

FLOW = "objective"
MONTHS = ("1", "3", "6", "12")
REMIND_BEFORE = timedelta(days=7)
REMIND_AT = time(9, tzinfo=UTC)
MAX_BUTTON = 60
MAX_OBJECTIVE = 500
STATUS_LABELS = {"open": "open", "done": "done ✓", "dropped": "dropped"}
STEPS = ("obj_gap", "obj_what", "obj_how", "obj_due", "obj_list", "obj_review")


def start(state: FlowState, ctx: Context) -> Outcome:
    """Pick the gap (or, with none, the rated domain) the objective is for."""
    plan = build_plan(ctx.kb, ctx.profile, ctx.history or ()) if ctx.profile else None
    if plan is None:
        view = View(
            "An objective starts from a gap in your plan, and the plan needs a "
            "self-assessment first.",
            title="Set an objective",
            buttons=rows(Button("Start self-assessment", go_data("assess"))),
        )
        return Outcome(None, views=(view,), show_state=False)
    options: list[list[str | None]] = [[g.domain.id, g.range.id] for g in plan.gaps]
    options = options or [[x.domain.id, None] for x in plan.lines if x.current is not None]
    return Outcome(state.moved("obj_gap", options=options))


def render_obj_gap(state: FlowState, ctx: Context) -> View:
    buttons = [
        state.button(f"{n}. {supports(ctx.kb, d, r)}"[:MAX_BUTTON], str(n - 1))
        for n, (d, r) in enumerate(state.payload["options"], start=1)
    ]
    return View(
        "Which gap of your plan is this objective for?",
        title="Set an objective",
        buttons=(*rows(*buttons), (state.button("Cancel", "x"),)),
    )


def tap_obj_gap(state: FlowState, value: str, ctx: Context) -> Outcome:
    options = state.payload["options"]
    if value == "x":
        return _cancelled(state)
    if (picked := index(value, len(options))) is not None:
        return Outcome(state.moved("obj_what", pick=options[picked]))
    return INVALID


def _cancel_only(state: FlowState, body: str, ctx: Context) -> View:
    domain_id, range_id = state.payload["pick"]
    return View(
        f"For {supports(ctx.kb, domain_id, range_id)}.\n\n{body}",
        title="Set an objective",
        buttons=rows(state.button("Cancel", "x")),
    )


def render_obj_what(state: FlowState, ctx: Context) -> View:
    return _cancel_only(
        state,
        "What will you do? One message, e.g. "
        '"Run the quarterly complaints review with the reception team".',
        ctx,
    )


def render_obj_how(state: FlowState, ctx: Context) -> View:
    return _cancel_only(
        state,
        f'"{state.payload["what"]}"\n\nHow will you show it? e.g. '
        '"the review\'s minutes and the actions agreed".',
        ctx,
    )


def tap_cancel(state: FlowState, value: str, ctx: Context) -> Outcome:
    return _cancelled(state) if value == "x" else INVALID


def text_obj_what(state: FlowState, text: str, ctx: Context) -> Outcome:
    what = clean_entry(text)[:MAX_OBJECTIVE]
    return Outcome(state.at("obj_how", what=what)) if what else Outcome(None)


def text_obj_how(state: FlowState, text: str, ctx: Context) -> Outcome:
    how = clean_entry(text)[:MAX_OBJECTIVE]
    return Outcome(state.at("obj_due", how=how)) if how else Outcome(None)


def render_obj_due(state: FlowState, ctx: Context) -> View:
    buttons = [state.button(f"{m} month" + ("s" if m != "1" else ""), m) for m in MONTHS]
    return View(
        f'"{state.payload["what"]}"\nShown by: {state.payload["how"]}\n\n'
        "By when? Tap, or type a date (e.g. 31 March).",
        title="Set an objective",
        buttons=(*rows(*buttons, per_row=4), (state.button("Cancel", "x"),)),
    )


def tap_obj_due(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "x":
        return _cancelled(state)
    if value in MONTHS:
        return _saved(state, ctx.now.date() + relativedelta(months=int(value)), ctx)
    return INVALID


def text_obj_due(state: FlowState, text: str, ctx: Context) -> Outcome:
    due = due_date(text, ctx.now)
    if due is None:
        note = View(f'I could not read "{text[:40]}" as a date after today, e.g. "31 March".')
        return Outcome(None, views=(note,))
    return _saved(state, due, ctx)


def remind_at(due: date, now: datetime) -> datetime:
    """A week before the due date at 9:00 UTC; for a date that close, soon after setting it."""
    at = datetime.combine(due, REMIND_AT) - REMIND_BEFORE
    return at if at > now else min(now + timedelta(hours=1), datetime.combine(due, REMIND_AT))


def _saved(state: FlowState, due: date, ctx: Context) -> Outcome:
    domain_id, range_id = state.payload["pick"]
    what, how = state.payload["what"], state.payload["how"]
    reminder = remind_at(due, ctx.now)
    change = AddObjective(domain_id, range_id, what, how, due, reminder)
    view = View(
        f'"{what}"\nShown by: {how}\nBy {due:%d %b %Y} · {supports(ctx.kb, domain_id, range_id)}'
        f"\n\nI'll remind you on {reminder:%d %b %Y}. /plan lists your objectives.",
        title="Objective set",
        buttons=rows(
            Button("My plan", go_data("plan")),
            Button("Log evidence", go_data("log")),
            per_row=2,
        ),
    )
    return Outcome(state.moved(IDLE), changes=(change,), views=(view,), show_state=False)


def _cancelled(state: FlowState) -> Outcome:
    view = View("No objective was set.", title="Cancelled")
    return Outcome(state.moved(IDLE), views=(view,), show_state=False)


def objective_line(kb: KnowledgeBase, n: int, item: ObjectiveRecord) -> str:
    """One objective: what, how shown, by when, status and what it supports."""
    return (
        f'{n}. "{item.what}"\n   Shown by: {item.evidence}\n   By {item.due_on:%d %b %Y} · '
        f"{STATUS_LABELS.get(item.status, item.status)} · "
        f"{supports(kb, item.domain_id, item.range_id)}"
        + (f" · signed off {item.signed_off_at:%d %b %Y}" if item.signed_off_at else "")
    )


def objectives_view(kb: KnowledgeBase, items: Sequence[ObjectiveRecord]) -> View:
    """The objectives as /plan lists them."""
    body = (
        "\n".join(objective_line(kb, n, o) for n, o in enumerate(items, start=1))
        if items
        else "No objectives yet: set one from a gap of your plan."
    )
    buttons = [Button("Set an objective", go_data("objective"))]
    if any(_changeable(o) for o in items):
        buttons.append(Button("Update objectives", go_data("objectives")))
    return View(body, title="Your objectives", buttons=rows(*buttons, per_row=2))


def _changeable(item: ObjectiveRecord) -> bool:
    """Open and not signed off: a signed-off plan is locked, superseded only by new objectives."""
    return item.status == "open" and item.signed_off_at is None


def list_objectives(state: FlowState) -> Outcome:
    return Outcome(state.moved("obj_list"))


def render_obj_list(state: FlowState, ctx: Context) -> View:
    items = ctx.objectives or ()
    view = objectives_view(ctx.kb, items)
    buttons = [
        (state.button(f"{n}. Done", f"d{o.id}"), state.button(f"{n}. Drop", f"r{o.id}"))
        for n, o in enumerate(items, start=1)
        if _changeable(o)
    ]
    hint = "\n\nTap Done or Drop to change an open objective." if buttons else ""
    return View(
        view.body + hint,
        title=view.title,
        buttons=(*buttons, (state.button("Close", "c"),)),
    )


def _status_tap(value: str, ctx: Context) -> SetObjectiveStatus | None:
    """The status change a "d<id>" (done) or "r<id>" (drop) tap asks for, on an open objective."""
    status = {"d": "done", "r": "dropped", "o": "open"}.get(value[:1])
    wanted = number(value[1:])
    if status is None or wanted is None:
        return None
    if not any(o.id == wanted and _changeable(o) for o in ctx.objectives or ()):
        return None
    return SetObjectiveStatus(wanted, status)


def tap_obj_list(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "c":  # typed as its number too: say so, rather than nothing
        return Outcome(state.moved(IDLE), show_state=False, notice="Closed.")
    change = _status_tap(value, ctx)
    return Outcome(state, changes=(change,)) if change else INVALID


def after_assessment(outcome: Outcome, ctx: Context) -> Outcome:
    """A finished re-assessment first asks about each open objective."""
    open_ids = [o.id for o in ctx.objectives or () if _changeable(o)]
    if not open_ids or outcome.state is None:
        return outcome
    review = outcome.state.moved("obj_review", ids=open_ids, index=0)
    return replace(outcome, state=review, show_state=True)


def render_obj_review(state: FlowState, ctx: Context) -> View:
    ids, i = state.payload["ids"], state.payload["index"]
    item = next((o for o in ctx.objectives or () if o.id == ids[i]), None)
    body = (
        objective_line(ctx.kb, i + 1, item).split(". ", 1)[1]
        if item
        else "(this objective is gone)"
    )
    return View(
        f"How did this objective go?\n\n{body}",
        title=f"Your objectives · {i + 1}/{len(ids)}",
        buttons=rows(
            state.button("Done ✓", f"d{ids[i]}"),
            state.button("Still working on it", f"o{ids[i]}"),
            state.button("Drop it", f"r{ids[i]}"),
        ),
    )


def tap_obj_review(state: FlowState, value: str, ctx: Context) -> Outcome:
    ids, i = state.payload["ids"], state.payload["index"]
    if value[:1] not in ("d", "o", "r") or value[1:] != str(ids[i]):
        return INVALID  # not one of the three buttons (e.g. a forged "y<id>")
    change = _status_tap(value, ctx)
    changes = (change,) if change and change.status != "open" else ()
    if i + 1 < len(ids):
        return Outcome(state.updated(index=i + 1), changes=changes)
    done = View(
        "Thank you: your objectives are up to date.",
        title="Your objectives",
        buttons=rows(
            Button("See my plan", go_data("plan")),
            Button("Set an objective", go_data("objective")),
            per_row=2,
        ),
    )
    return Outcome(state.moved(IDLE), changes=changes, views=(done,), show_state=False)


def _plan(state: FlowState, args: str, ctx: Context) -> Outcome:
    plan = _built_plan(ctx)
    views = tuple(plan_views(ctx, plan))
    return Outcome(None, views=views, show_state=False, effect=AttachChart(plan))


def _built_plan(ctx: Context) -> PlanData | None:
    return build_plan(ctx.kb, ctx.profile, ctx.history or ()) if ctx.profile else None


def plan_views(ctx: Context, plan: PlanData | None) -> list[View]:
    """/plan: the development plan (`build_plan` from the context), then the objectives set
    from it."""
    if plan is None:
        return [
            View(
                "Your plan needs a self-assessment first: nine questions, one tap each.",
                title="Your development plan",
                buttons=rows(Button("Start self-assessment", go_data("assess"))),
            )
        ]
    *views, last = render_plan(plan)
    log = (Button("Log CPD / evidence", go_data("log")),)
    listed = objectives_view(ctx.kb, ctx.objectives or ())
    return [*views, replace(last, buttons=(*last.buttons, log)), listed]


def _objective(state: FlowState, args: str, ctx: Context) -> Outcome:
    return start(state, ctx)


def _objectives(state: FlowState, args: str, ctx: Context) -> Outcome:
    return list_objectives(state)


OBJECTIVES: tuple[Load, ...] = ("objectives",)
register(
    Step("obj_gap", FLOW, render_obj_gap, tap_obj_gap, loads=OBJECTIVES),
    Step("obj_what", FLOW, render_obj_what, tap_cancel, text_obj_what, loads=OBJECTIVES),
    Step("obj_how", FLOW, render_obj_how, tap_cancel, text_obj_how, loads=OBJECTIVES),
    Step("obj_due", FLOW, render_obj_due, tap_obj_due, text_obj_due, loads=OBJECTIVES),
    Step("obj_list", FLOW, render_obj_list, tap_obj_list, loads=OBJECTIVES),
    Step("obj_review", FLOW, render_obj_review, tap_obj_review, loads=OBJECTIVES),
    CommandSpec(
        "plan",
        _plan,
        menu="Your development plan",
        help="your development plan",
        loads=("history", "objectives"),
        deep_link=True,
    ),
    CommandSpec(
        "objective",
        _objective,
        menu="Set a SMART objective from a gap of your plan",
        help="set a SMART objective from a gap of your plan",
        loads=("history",),
    ),
    CommandSpec(
        "objectives",
        _objectives,
        menu="Mark your objectives done or dropped",
        loads=OBJECTIVES,
    ),
)
