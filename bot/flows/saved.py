"""What was saved last, said again when its confirmation may never have arrived.

Completing an assessment stores it, then draws the chart, then answers. Should the bot die in
between, the user still sees the targets with "Accept these targets"; the idle state keeps a
note of the save (`NOTE` in its payload), so that button, or /start, says what was saved
instead of "expired".
"""

from __future__ import annotations

from datetime import date

from bot.flows.callbacks import go_data
from bot.flows.core import IDLE, STEPS, Context, FlowState
from bot.flows.views import Button, View, rows

NOTE = "saved"
FLOW = "assess"


def note(ctx: Context, rated: int) -> dict[str, str | int]:
    """The payload note for an assessment completed now with `rated` domains rated."""
    return {"on": ctx.now.date().isoformat(), "rated": rated}


def saved_after(state: FlowState, tapped_step: str) -> bool:
    """Whether a stale tap from `tapped_step` is on the flow whose save the state notes."""
    return state.step == IDLE and NOTE in state.payload and STEPS[tapped_step].flow == FLOW


def confirmation(state: FlowState, ctx: Context) -> View:
    """ "Your assessment of 1 December 2026 is saved", with where to go next."""
    saved = state.payload[NOTE]
    day = date.fromisoformat(saved["on"])
    return View(
        f"Your assessment of {day.day} {day:%B %Y} is saved: {saved['rated']} of "
        f"{len(ctx.kb.competency.domains)} domains rated, targets set. Your plan is ready.",
        title="Saved",
        buttons=rows(
            Button("See my plan", go_data("plan")), Button("My progress", go_data("progress"))
        ),
    )


def headline(state: FlowState) -> str:
    """The first sentence of the confirmation, for a button's notice."""
    day = date.fromisoformat(state.payload[NOTE]["on"])
    return f"Your assessment of {day.day} {day:%B %Y} is saved."
