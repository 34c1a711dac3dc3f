"""Feedback from colleagues (`/feedback`): pick a domain, get a message to forward that asks
how you are doing at it, quoting the framework's ranges of work at the level you aim for."""

from __future__ import annotations

from bot.flows.core import IDLE, INVALID, CommandSpec, Context, FlowState, Outcome, Step, register
from bot.flows.views import View, rows
from bot.knowledge.competency import Domain
from bot.vocabulary import label

FLOW = "feedback"
AIM = "managerial"  # the level asked about when the user has no target for the domain


def start(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(state.moved("feedback"))


def render_feedback(state: FlowState, ctx: Context) -> View:
    domains = ctx.kb.competency.domains
    buttons = [state.button(domain.name, str(n)) for n, domain in enumerate(domains)]
    return View(
        "Which domain would you like your colleagues' view on? I'll write a short message "
        "for you to forward.",
        title="Ask for feedback",
        buttons=(*rows(*buttons, per_row=2), (state.button("Cancel", "x"),)),
    )


def tap_feedback(state: FlowState, value: str, ctx: Context) -> Outcome:
    domains = ctx.kb.competency.domains
    if value == "x":
        return Outcome(state.moved(IDLE), views=(View("No request written."),), show_state=False)
    if not value.isdecimal() or int(value) >= len(domains):
        return INVALID
    domain = domains[int(value)]
    targets = ctx.profile.targets if ctx.profile else {}
    request = request_text(domain, targets.get(domain.id, AIM), ctx.user_name)
    views = (
        View("Copy or forward the next message to two or three colleagues.", title="Feedback"),
        View(request),
    )
    return Outcome(state.moved(IDLE), views=views, show_state=False)


def request_text(domain: Domain, level: str, name: str) -> str:
    """The message to forward: the domain's ranges of work, as the framework names them."""
    ranges = "\n".join(f"• {rng.name}" for rng in domain.ranges)
    return (
        f"Hi, {name} here. I'm working on my development in {domain.name} and would value your "
        f"view. The practice management competency framework covers it in these ranges of "
        f"work:\n{ranges}\n\nAt the {label(level)} level, how do you see me doing? One thing "
        "I should keep doing, and one thing to do differently?"
    )


register(
    Step("feedback", FLOW, render_feedback, tap_feedback),
    CommandSpec(
        "feedback",
        start,
        menu="Ask colleagues for feedback on one domain",
        help="a message for colleagues, asking for their view on one domain",
    ),
)
