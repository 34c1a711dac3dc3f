"""The menu, resuming, settings and deleting one's data: the steps around the main flows."""

from __future__ import annotations

from bot.flows.assessment import FLOW, settings_targets, start
from bot.flows.callbacks import go_data
from bot.flows.core import IDLE, INVALID, STEPS, Context, FlowState, Outcome, Step, register
from bot.flows.effects import ForgetUser
from bot.flows.onboarding import PRIVACY_LINE, ROLES
from bot.flows.views import Button, View, rows

HELP = """I answer questions about the practice management competency framework and NHS England's \
career development framework, and help you plan your development.

/start: set up your profile
/assess: quick self-assessment (9 taps)
/plan: your development plan
/objective: set a SMART objective from a gap of your plan
/share: a one-time link for your appraiser to read, comment on and sign off your plan
/progress: how your ratings changed
/ask QUESTION: look something up, e.g. /ask strategic infection control
/settings: change role, stage, directions, targets
/remind: a reminder to re-assess in 1, 3 or 6 months
/log TEXT: log CPD or evidence, e.g. /log led the complaints review, 2h (/log alone lists it)
/privacy, /export, /forget: your data
/cancel: stop what you are doing

Or just type a question, e.g. "what does managerial mean for complaints"."""

PRIVACY = """What I store: your Telegram id and name, your role, career stage, directions, \
self-ratings with their dates, targets, your CPD/evidence log, reminders, your opt-ins for \
peer groups, and where you are in a conversation.
Your ratings are yours: I never post them into a group unless you opt in for that group.
/export sends you everything I store about you; /forget deletes all of it."""


def render_menu(state: FlowState, ctx: Context) -> View:
    return View(
        "What would you like to do? You can also type a question at any time.",
        title="careerbot",
        buttons=rows(
            Button("Self-assessment", go_data("assess")),
            Button("My plan", go_data("plan")),
            Button("My progress", go_data("progress")),
            Button("Settings", go_data("settings")),
            per_row=2,
        ),
    )


def tap_menu(state: FlowState, value: str, ctx: Context) -> Outcome:
    return INVALID


def resume_offer(state: FlowState) -> FlowState:
    """Ask whether to continue the flow the user is in or start again."""
    return FlowState(
        "resume", {"prev": {"step": state.step, "payload": dict(state.payload)}}, state.version
    )


def render_resume(state: FlowState, ctx: Context) -> View:
    prev = state.payload["prev"]
    flow = STEPS[prev["step"]].flow
    what = {"onboarding": "setting up your profile", "assess": "your self-assessment"}.get(
        flow, flow
    )
    rated = len(prev["payload"].get("r") or {}) if flow == FLOW else 0
    kept = (
        f" {rated} of {len(ctx.kb.competency.domains)} domains are rated so far: continue to "
        "keep them, or start again."
        if rated
        else ""
    )
    return View(
        f"Welcome back, {ctx.user_name}. You were in the middle of {what}.{kept}",
        title="Welcome back",
        buttons=rows(state.button("Continue", "c"), state.button("Start again", "r")),
    )


def tap_resume(state: FlowState, value: str, ctx: Context) -> Outcome:
    prev = state.payload["prev"]
    if value == "c":
        return Outcome(FlowState(prev["step"], prev["payload"], state.version))
    if value == "r" and STEPS[prev["step"]].flow == FLOW:
        return start(state)  # the assessment again, from its first question
    if value == "r":
        return Outcome(state.moved("role"))
    return INVALID


def render_settings(state: FlowState, ctx: Context) -> View:
    profile = ctx.profile
    stages = {s.id: s.title for s in ctx.kb.career.stages}
    titles = {d.id: d.title for d in ctx.kb.career.directions}
    role = ROLES.get(profile.role or "", "not set") if profile else "not set"
    stage = stages.get(profile.career_stage or "", "not set") if profile else "not set"
    directions = ", ".join(titles.get(d, d) for d in profile.directions) if profile else ""
    lines = [f"Role: {role}", f"Stage: {stage}", f"Directions: {directions or 'none chosen'}"]
    return View(
        "\n".join(lines),
        title="Settings",
        buttons=rows(
            state.button("Role", "role"),
            state.button("Stage", "stage"),
            state.button("Directions", "dirs"),
            state.button("Targets", "targets"),
            state.button("Done", "x"),
            per_row=2,
        ),
    )


def tap_settings(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value in ("role", "stage"):
        return Outcome(state.moved(value, back="settings"))
    if value == "dirs":
        chosen = list(ctx.profile.directions) if ctx.profile else []
        return Outcome(state.moved("dirs", sel=chosen, info=False, back="settings"))
    if value == "targets":
        return Outcome(settings_targets(state, ctx))
    if value == "x":
        return Outcome(state.moved(IDLE))
    return INVALID


def render_forget(state: FlowState, ctx: Context) -> View:
    return View(
        "This deletes everything I store about you: profile, ratings and their history, "
        "targets, log entries, reminders and group opt-ins. It cannot be undone.",
        title="Delete all your data?",
        buttons=rows(
            state.button("Yes, delete everything", "yes"), state.button("No, keep it", "no")
        ),
    )


def tap_forget(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "yes":
        return Outcome(None, effect=ForgetUser())
    if value == "no":
        kept = View("Nothing was deleted.", title="Kept")
        return Outcome(state.moved(IDLE), views=(kept,), show_state=False)
    return INVALID


def privacy_view() -> View:
    return View(f"{PRIVACY}\n\n{PRIVACY_LINE}", title="Privacy")


def help_view() -> View:
    return View(HELP, title="Help")


register(
    Step(IDLE, "menu", render_menu, tap_menu),
    Step("resume", "menu", render_resume, tap_resume),
    Step("settings", "settings", render_settings, tap_settings),
    Step("forget", "forget", render_forget, tap_forget),
)
