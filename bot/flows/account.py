"""The menu, resuming, settings and deleting one's data: the steps around the main flows."""

from __future__ import annotations

from bot.flows.assessment import FLOW, settings_targets, start
from bot.flows.callbacks import go_data
from bot.flows.core import (
    COMMANDS,
    IDLE,
    INVALID,
    STEPS,
    CommandSpec,
    Context,
    FlowState,
    Outcome,
    Step,
    register,
)
from bot.flows.effects import ExportData, ForgetUser
from bot.flows.onboarding import PRIVACY_LINE, ROLES
from bot.flows.views import Button, View, rows

HELP = """I answer questions about the practice management competency framework and NHS England's \
career development framework, and help you plan your development."""
HELP_END = 'Or just type a question, e.g. "what does managerial mean for complaints".'

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
    rated = len(prev["payload"].get("ratings") or {}) if flow == FLOW else 0
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
        return Outcome(state.moved("dirs", selected=chosen, info=False, back="settings"))
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


def listed() -> list[CommandSpec]:
    """The commands in the order /help and the menu show them: /start, what needs a profile,
    then what works before one (asking, help, your data)."""
    commands = list(COMMANDS.values())
    return sorted(commands, key=lambda c: (c.name != "start", not c.profile and c.name != "ask"))


def help_view() -> View:
    lines = "\n".join(command.help_line for command in listed() if command.help)
    return View(f"{HELP}\n\n{lines}\n\n{HELP_END}", title="Help")


def _settings(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(state.moved("settings"))


def _help(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(None, views=(help_view(),), show_state=False)


def _privacy(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(None, views=(privacy_view(),), show_state=False)


def _export(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(None, effect=ExportData(), show_state=False)


def _forget(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(state.moved("forget"))


def _cancel(state: FlowState, args: str, ctx: Context) -> Outcome:
    done = View("Stopped. Your answers so far are saved.", title="Cancelled")
    return Outcome(state.moved(IDLE), views=(done,), show_state=False)


register(
    Step(IDLE, "menu", render_menu, tap_menu),
    Step("resume", "menu", render_resume, tap_resume, loads=("history",)),
    # its buttons depend on the latest assessment
    Step("settings", "settings", render_settings, tap_settings, loads=("history",)),
    Step("forget", "forget", render_forget, tap_forget),
    CommandSpec(
        "settings",
        _settings,
        menu="Change role, stage, directions, targets",
        help="change role, stage, directions, targets",
        deep_link=True,
    ),
    CommandSpec("help", _help, menu="What I can do", profile=False, deep_link=True),
    CommandSpec(
        "privacy",
        _privacy,
        menu="What I store about you",
        help="what I store about you",
        profile=False,
    ),
    CommandSpec(
        "export",
        _export,
        menu="Get a copy of everything I store",
        help="a copy of everything I store, and your plan as a PDF",
        profile=False,
    ),
    CommandSpec(
        "forget",
        _forget,
        menu="Delete everything I store about you",
        help="delete everything I store about you",
        profile=False,
    ),
    CommandSpec(
        "cancel",
        _cancel,
        menu="Stop what you are doing",
        help="stop what you are doing",
        profile=False,
    ),
)
