"""What the appraisal PDF prints about the person, asked once after the first /export: the
name as they want it printed and their practice or PCN (optional); answering sends the PDF again."""

from __future__ import annotations

from bot.flows.core import IDLE, INVALID, Context, FlowState, Outcome, Step, register
from bot.flows.cpd import clean_entry
from bot.flows.effects import ExportData
from bot.flows.views import View, rows
from bot.storage.changes import SetPrintDetails

FLOW = "appraisal"
MAX_NAME = 100
MAX_BUTTON = 60


def render_pdf_name(state: FlowState, ctx: Context) -> View:
    return View(
        "For your appraisal, the PDF can print your name as you want it and your practice "
        "or PCN. What name should it print? Type it, or tap. (I ask once.)",
        title="Your appraisal PDF",
        buttons=rows(
            state.button(f"Use {ctx.user_name}"[:MAX_BUTTON], "u"),
            state.button("No thanks", "n"),
        ),
    )


def _named(state: FlowState, name: str) -> Outcome:
    return Outcome(state.moved("pdf_practice", name=name[:MAX_NAME])) if name else Outcome(None)


def tap_pdf_name(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "n":  # keep the PDF as it is, and do not ask again
        change = SetPrintDetails(clean_entry(ctx.user_name)[:MAX_NAME], "")
        return Outcome(state.moved(IDLE), changes=(change,), show_state=False, notice="OK.")
    return _named(state, clean_entry(ctx.user_name)) if value == "u" else INVALID


def text_pdf_name(state: FlowState, text: str, ctx: Context) -> Outcome:
    return _named(state, clean_entry(text))


def render_pdf_practice(state: FlowState, ctx: Context) -> View:
    return View(
        f"Printed as {state.payload['name']}. Your practice or PCN, to print with it? "
        "Type it, or skip.",
        title="Your appraisal PDF",
        buttons=rows(state.button("Skip", "s")),
    )


def _done(state: FlowState, practice: str) -> Outcome:
    change = SetPrintDetails(state.payload["name"], practice[:MAX_NAME])
    return Outcome(state.moved(IDLE), changes=(change,), show_state=False, effect=ExportData())


def tap_pdf_practice(state: FlowState, value: str, ctx: Context) -> Outcome:
    return _done(state, "") if value == "s" else INVALID


def text_pdf_practice(state: FlowState, text: str, ctx: Context) -> Outcome:
    practice = clean_entry(text)
    return _done(state, practice) if practice else Outcome(None)


register(
    Step("pdf_name", FLOW, render_pdf_name, tap_pdf_name, text_pdf_name),
    Step("pdf_practice", FLOW, render_pdf_practice, tap_pdf_practice, text_pdf_practice),
)
