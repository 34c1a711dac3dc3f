"""Re-assessment reminders: pick 1, 3 or 6 months (or none); one pending reminder at a time."""

from __future__ import annotations

from datetime import timedelta

from bot.flows.callbacks import go_data
from bot.flows.core import IDLE, INVALID, CommandSpec, Context, FlowState, Outcome, Step, register
from bot.flows.views import Button, View, rows
from bot.storage.changes import CancelReminders, ScheduleReminder

FLOW = "remind"
KIND = "reassess"
CHOICES = {"1": "In 1 month", "3": "In 3 months", "6": "In 6 months"}
DAYS_PER_MONTH = 30
REMINDER_TEXT = "Time to re-assess: nine taps, and your plan shows what changed since last time."


def start(state: FlowState) -> Outcome:
    return Outcome(state.moved("remind"))


def render_remind(state: FlowState, ctx: Context) -> View:
    buttons = [state.button(label, months) for months, label in CHOICES.items()]
    buttons.append(state.button("No reminder", "0"))
    return View(
        "When should I remind you to re-assess? Seeing what changed keeps a plan alive.",
        title="Reminder",
        buttons=rows(*buttons, per_row=3),
    )


def tap_remind(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "0":
        done = View("No reminder: any pending one is cancelled.", title="Reminder")
        return Outcome(
            state.moved(IDLE), changes=(CancelReminders(KIND),), views=(done,), show_state=False
        )
    if value not in CHOICES:
        return INVALID
    due = ctx.now + timedelta(days=DAYS_PER_MONTH * int(value))
    done = View(f"I'll remind you on {due:%d %b %Y}. /remind changes it.", title="Reminder")
    changes = (CancelReminders(KIND), ScheduleReminder(due, KIND))
    return Outcome(state.moved(IDLE), changes=changes, views=(done,), show_state=False)


def reminder_view() -> View:
    """A due reminder, as a front end without its own sending shows it (the console)."""
    return View(
        REMINDER_TEXT,
        title="Reminder",
        buttons=rows(
            Button("Re-assess now", go_data("assess")),
            Button("Remind me later", go_data("remind")),
            per_row=2,
        ),
    )


def _remind(state: FlowState, args: str, ctx: Context) -> Outcome:
    return start(state)


register(
    Step("remind", FLOW, render_remind, tap_remind),
    CommandSpec(
        "remind",
        _remind,
        menu="A reminder to re-assess",
        help="a reminder to re-assess in 1, 3 or 6 months",
    ),
)
