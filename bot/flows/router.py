"""Which step an event goes to: commands, free text and taps, for any front end."""

from __future__ import annotations

from dataclasses import replace

from bot.flows import (
    aboutme,
    account,
    assessment,
    cpd,
    evidence,
    groups,
    objectives,
    reminders,
    saved,
    share,
)
from bot.flows.answers import render_answer
from bot.flows.assess_start import start_or_resume
from bot.flows.callbacks import GoTap, LookupTap, StepTap, go_data, parse
from bot.flows.core import IDLE, STEPS, Context, FlowState, Outcome
from bot.flows.events import Command, Event, Tap, Text, Upload
from bot.flows.plan import build_plan, render_plan
from bot.flows.progress import render_progress
from bot.flows.typed import PickOne, typed_choice
from bot.flows.views import Button, View, rows

MAX_QUERY = 300
HISTORY_COMMANDS = {"plan", "progress", "assess", "objective"}
OBJECTIVE_COMMANDS = {"plan", "objectives", "share"}
HISTORY_STEPS = {"settings", "gopt"}  # their buttons depend on the latest assessment
HERE = "_here"  # the value of a button that shows the step the user is at again
DEEP_LINKS = {"assess", "plan", "progress", "settings", "help"}
EXPIRED = "That button has expired. /start shows where you are."


def as_command(event: Event) -> Command | None:
    """The command an event amounts to (a typed command or a `go:` button)."""
    if isinstance(event, Command):
        return event
    if isinstance(event, Tap) and isinstance(tap := parse(event.data), GoTap):
        return Command(tap.command)
    return None


def group_in_focus(state: FlowState, event: Event) -> int | None:
    """The group chat whose opt-ins handling `event` reads, if any."""
    command = as_command(event)
    if command is not None:
        return groups.optin_payload(command.args) if command.name == "start" else None
    return state.payload.get("c") if state.step == "gopt" else None


def needs_history(state: FlowState, event: Event) -> bool:
    """Whether handling `event` reads the user's completed assessments."""
    command = as_command(event)
    if command is not None:
        if command.name == "ask":
            return aboutme.intent(command.args) is not None
        named = command.args if command.name == "start" else command.name
        return named in HISTORY_COMMANDS or group_in_focus(state, event) is not None
    if isinstance(event, Text) and aboutme.intent(event.text) is not None:
        return True
    return state.step in HISTORY_STEPS or assessment.shows_last_time(state)


def question_of(event: Event) -> str | None:
    """The free-text question an event asks (typed text or /ask), if any."""
    if isinstance(event, Text):
        return event.text
    if isinstance(event, Command) and event.name == "ask":
        return event.args
    return None


def needs_open_assessment(event: Event) -> bool:
    """Whether handling `event` may start an assessment (and must see one left open)."""
    command = as_command(event)
    return command is not None and "assess" in (command.name, command.args)


def needs_objectives(state: FlowState, event: Event) -> bool:
    """Whether handling `event` reads the user's objectives (a finished assessment asks about
    the open ones)."""
    command = as_command(event)
    if command is not None:
        return command.name in OBJECTIVE_COMMANDS
    return (
        state.step in objectives.STEPS
        or state.step in ("log_domain", "log_more", "log_obj", "share")
        or (isinstance(event, Tap) and state.step == "targets")
    )


def needs_sharing(state: FlowState, event: Event) -> bool:
    """Whether handling `event` reads the user's own share links and comments."""
    command = as_command(event)
    if command is not None:
        return command.name == "share"
    return state.step == "share"


def shared_in_focus(state: FlowState, event: Event) -> str | int | None:
    """The plan shared with the user that handling `event` reads: a link's token, or the
    share id of the appraiser's view they are in."""
    command = as_command(event)
    if command is not None:
        return share.share_token(command.args) if command.name == "start" else None
    return state.payload.get("sid") if state.step in share.APPRAISER_STEPS else None


def dispatch(state: FlowState, event: Event, ctx: Context) -> Outcome:
    command = as_command(event)
    if command is not None:
        return on_command(state, command, ctx)
    if isinstance(event, Text):
        return on_text(state, event.text, ctx)
    if isinstance(event, Upload):
        step = STEPS.get(state.step)
        take = step.upload if step is not None and step.upload else evidence.upload_elsewhere
        return take(state, event, ctx)
    return on_tap(state, event.data, ctx, again=event.again)


def _needs_profile(state: FlowState, name: str) -> Outcome:
    """Onboarding first; then on to the command asked for, when it is one a link can start."""
    note = View("First, a minute to set up your profile.")
    then = {"then": name} if name in DEEP_LINKS else {}
    return Outcome(state.moved("welcome", **then), views=(note,))


def on_command(state: FlowState, command: Command, ctx: Context) -> Outcome:
    name = command.name
    if name == "start" and share.share_token(command.args):  # an appraiser needs no profile
        return share.open_link(state, ctx)
    if name == "start":
        if not ctx.privacy_accepted:  # a deep link waits until the profile is set up
            link = command.args if _is_deep_link(command.args) else ""
            return Outcome(state.moved("welcome", **({"then": link} if link else {})))
        chat_id = groups.optin_payload(command.args)
        if chat_id is not None:
            return groups.start_optin(state, chat_id, ctx)
        if command.args in DEEP_LINKS:
            return on_command(state, Command(command.args), ctx)
        if state.step not in (IDLE, "resume") and state.step in STEPS:
            return Outcome(account.resume_offer(state))
        if saved.NOTE in state.payload:  # said once: the note goes with the stored idle state
            view = saved.confirmation(state, ctx)
            return Outcome(state.moved(IDLE), views=(view,), show_state=False)
        return Outcome(state.moved(IDLE))
    if name == "help":
        return Outcome(None, views=(account.help_view(),), show_state=False)
    if name == "privacy":
        return Outcome(None, views=(account.privacy_view(),), show_state=False)
    if name == "ask":
        return on_text(state, command.args, ctx, asked=True)
    if name == "export":
        return Outcome(None, action="export", show_state=False)
    if name == "cancel":
        done = View("Stopped. Your answers so far are saved.", title="Cancelled")
        return Outcome(state.moved(IDLE), views=(done,), show_state=False)
    if name == "forget":
        return Outcome(state.moved("forget"))
    if not ctx.privacy_accepted:
        return _needs_profile(state, name)
    if name == "assess":
        return start_or_resume(state, ctx)
    if name == "settings":
        return Outcome(state.moved("settings"))
    if name == "remind":
        return reminders.start(state)
    if name == "plan":
        return Outcome(None, views=tuple(_plan_views(ctx)), show_state=False, action="chart")
    if name == "log":
        return cpd.start(state, command.args, ctx)
    if name == "objective":
        return objectives.start(state, ctx)
    if name == "objectives":
        return objectives.list_objectives(state)
    if name == "share":
        return share.start(state)
    if name == "progress":
        return Outcome(None, views=(render_progress(ctx.kb, ctx.history or ()),), show_state=False)
    unknown = View(f"I don't know /{name[:30]}. /help lists what I can do.")
    return Outcome(None, views=(unknown,), show_state=False)


def _is_deep_link(args: str) -> bool:
    return args in DEEP_LINKS or groups.optin_payload(args) is not None


def _plan_views(ctx: Context) -> list[View]:
    plan = build_plan(ctx.kb, ctx.profile, ctx.history or ()) if ctx.profile else None
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
    listed = objectives.objectives_view(ctx.kb, ctx.objectives or ())
    return [*views, replace(last, buttons=(*last.buttons, log)), listed]


def on_text(state: FlowState, text: str, ctx: Context, asked: bool = False) -> Outcome:
    """Text at a step: its own text (a log entry), a button it names, or a question."""
    step = STEPS.get(state.step) if state.step != IDLE else None
    if step is not None and not asked:
        if step.text is not None:
            return step.text(state, text, ctx)
        shown = step.render(state, ctx)
        choice = typed_choice(text, [b for row in shown.buttons for b in row])
        if isinstance(choice, PickOne):
            return Outcome(None, views=(View(choice.message),), show_state=False)
        if choice is not None:
            return dispatch(state, Tap(choice), ctx)
    query = " ".join(text.split())[:MAX_QUERY]
    if not query:
        hint = View('Ask me about the frameworks, e.g. "what does strategic mean for complaints".')
        return Outcome(None, views=(hint,), show_state=False)
    about = aboutme.intent(query)
    if about is not None and ctx.privacy_accepted:
        view, remember = aboutme.answer(about, query, ctx, ctx.reminders), None
    else:
        answer = ctx.lookup.ask(query, context=ctx.lookup_context)
        view, remember = render_answer(answer), answer.key
    if step is not None:  # the step stays as it was, one tap away
        title = step.render(state, ctx).title or "where you were"
        back = (state.button(f"↩ Back to {title}", HERE),)
        view = replace(view, buttons=(*view.buttons, back))
    return Outcome(None, views=(view,), show_state=False, remember=remember)


def on_tap(state: FlowState, data: str, ctx: Context, again: bool = False) -> Outcome:
    tap = parse(data)
    if isinstance(tap, LookupTap):
        answer = ctx.lookup.resolve(tap.key)
        # The engine answers an unknown key with its "could not find" answer, not None: a
        # forged key, or one from an old message after the knowledge changed, is no item.
        if answer.kind == "none":
            return Outcome(None, notice="That item is no longer available.", show_state=False)
        view = render_answer(answer)
        return Outcome(None, views=(view,), show_state=False, remember=answer.key)
    if not isinstance(tap, StepTap) or tap.step not in STEPS:
        return Outcome(None, notice="Sorry, I don't recognise that button.", show_state=False)
    if tap.step != state.step or tap.version != state.version:
        if saved.saved_after(state, tap.step):  # its confirmation may never have arrived
            view = saved.confirmation(state, ctx).replacing()
            return Outcome(None, views=(view,), show_state=False, notice=saved.headline(state))
        if again and _answered_last(state, tap):  # its answer may never have been shown
            view = STEPS[state.step].render(state, ctx).replacing()
            return Outcome(None, views=(view,), show_state=False)
        # Said on the button only: a new message per stale tap would flood the chat.
        return Outcome(None, show_state=False, notice=EXPIRED)
    if tap.value == HERE:
        return Outcome(None)
    return STEPS[state.step].tap(state, tap.value, ctx)


def _answered_last(state: FlowState, tap: StepTap) -> bool:
    """Whether `tap` is on the screen the last step was taken from, in the same flow.

    Asked of a tap delivered again: the process it was delivered to may have stored its step
    and stopped before showing the next screen. The current screen then replaces the tapped
    one, so the person carries on from where they really are.
    """
    return (
        state.step in STEPS
        and tap.version == state.version - 1
        and STEPS[tap.step].flow == STEPS[state.step].flow
    )
