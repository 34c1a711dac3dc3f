"""Starting a self-assessment without losing one: one in progress is offered to continue.

/assess, "Re-assess" and "Start self-assessment" all come here. Answers already given are
never dropped silently: the user chooses between continuing and starting again. A second tap
on a start button, before any answer, shows the same first question again (one assessment).
"""

from __future__ import annotations

from bot.flows import assessment
from bot.flows.account import resume_offer
from bot.flows.core import STEPS, CommandSpec, Context, FlowState, Outcome, register
from bot.storage.records import AssessmentRecord


def start_or_resume(state: FlowState, ctx: Context) -> Outcome:
    if STEPS[state.step].flow == assessment.FLOW and state.payload.get("mode") != "settings":
        if state.step == "rate" and not state.payload.get("ratings"):
            return Outcome(state)  # nothing answered yet: the same question, in place
        return Outcome(resume_offer(state))
    record = ctx.open_assessment
    if record is not None and record.levels:
        return Outcome(resume_offer(paused(state, record, ctx)))
    return assessment.start(state)


def paused(state: FlowState, record: AssessmentRecord, ctx: Context) -> FlowState:
    """Where an open assessment left off: its first unrated domain, or the deeper pass."""
    ratings = dict(record.levels)
    ids = [d.id for d in ctx.kb.competency.domains]
    unrated = [n for n, domain_id in enumerate(ids) if domain_id not in ratings]
    if unrated:
        return state.moved("rate", index=unrated[0], ratings=ratings)
    return state.moved("deeper", ratings=ratings, done=[])


def _assess(state: FlowState, args: str, ctx: Context) -> Outcome:
    return start_or_resume(state, ctx)


register(
    CommandSpec(
        "assess",
        _assess,
        menu="Quick self-assessment, one tap per domain",
        help="quick self-assessment (9 taps)",
        loads=("history", "open_assessment"),
        deep_link=True,
    )
)
