"""Which step an event goes to, and what it needs loaded: commands, free text and taps, for any
front end. Everything here is derived from what the flow modules register (`core.register`):
their steps, their commands and what each needs loaded.

Adding a flow: write its module (steps and commands, registered at its end) and name it in the
import below; the router, /help, Telegram's command menus and the loading follow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.flows import (  # noqa: F401  (the one registration: each module registers its steps)
    aboutme,
    account,
    appraisal,
    assess_start,
    assessment,
    cpd,
    evidence,
    feedback,
    groups,
    legacy,
    objectives,
    onboarding,
    progress,
    reminders,
    saved,
    share,
)
from bot.flows.answers import render_answer
from bot.flows.callbacks import GoTap, LookupTap, ParsedTap, StepTap, parse
from bot.flows.core import (
    COMMANDS,
    IDLE,
    STEPS,
    CommandSpec,
    Context,
    FlowState,
    Load,
    Outcome,
    register,
)
from bot.flows.events import Command, Event, Tap, Text, Upload
from bot.flows.typed import PickOne, typed_choice
from bot.flows.views import View

MAX_QUERY = 300
HERE = "_here"  # the value of a button that shows the step the user is at again
EXPIRED = "That button has expired. /start shows where you are."


@dataclass(frozen=True, slots=True)
class Turn:
    """An event read once: the command it amounts to (typed, or a `go:` button), its tap
    parsed, the question it asks, and what handling it needs loaded.

    `group`: the chat id of the group in focus (`membership`); `shared`: a share link's token
    or the share id in focus (`shared`).
    """

    event: Event
    command: Command | None = None
    tap: ParsedTap | None = None
    question: str | None = None
    loads: frozenset[Load] = frozenset()
    group: int | None = None
    shared: str | int | None = None


def read(state: FlowState, event: Event) -> Turn:
    """What `event` amounts to at `state`, parsed once."""
    tap = parse(event.data) if isinstance(event, Tap) else None
    if isinstance(tap, StepTap):  # a button drawn before a step was renamed still answers it
        tap = replace(tap, step=legacy.step_name(tap.step))
    command = event if isinstance(event, Command) else None
    if isinstance(tap, GoTap):
        command = Command(tap.command)
    if command is not None:
        return _read_command(event, command, tap)
    question = event.text if isinstance(event, Text) else None
    step = STEPS.get(state.step)
    loads = set(step.loads) if step is not None else set()
    if question is not None and aboutme.intent(question) is not None:
        loads.add("history")
    focus = step.focus(state) if step is not None and step.focus is not None else None
    return Turn(
        event,
        tap=tap,
        question=question,
        loads=frozenset(loads),
        group=focus if "membership" in loads else None,
        shared=focus if "shared" in loads else None,
    )


def _read_command(event: Event, command: Command, tap: ParsedTap | None) -> Turn:
    name, args = command.name, command.args
    if name == "ask":
        about = aboutme.intent(args) is not None
        loads: frozenset[Load] = frozenset({"history"} if about else ())
        return Turn(event, command, tap, args, loads)
    if name == "start":
        if (token := share.share_token(args)) is not None:
            return Turn(event, command, tap, loads=frozenset({"shared"}), shared=token)
        if (chat_id := groups.optin_payload(args)) is not None:
            loads = frozenset({"history", "membership"})
            return Turn(event, command, tap, loads=loads, group=chat_id)
        linked = COMMANDS.get(args)
        if linked is not None and linked.deep_link:
            return Turn(event, command, tap, loads=frozenset(linked.loads))
        return Turn(event, command, tap)
    spec = COMMANDS.get(name)
    return Turn(event, command, tap, loads=frozenset(spec.loads if spec else ()))


def dispatch(state: FlowState, turn: Turn, ctx: Context) -> Outcome:
    event = turn.event
    if turn.command is not None:
        return on_command(state, turn.command, ctx)
    if isinstance(event, Text):
        return on_text(state, event.text, ctx)
    if isinstance(event, Upload):
        step = STEPS.get(state.step)
        take = step.upload if step is not None and step.upload else evidence.upload_elsewhere
        return take(state, event, ctx)
    return on_tap(state, turn.tap, ctx, again=isinstance(event, Tap) and event.again)


def _needs_profile(state: FlowState, name: str) -> Outcome:
    """Onboarding first; then on to the command asked for, when it is one a link can start."""
    note = View("First, a minute to set up your profile.")
    then = {"then": name} if _is_deep_link(name) else {}
    return Outcome(state.moved("welcome", **then), views=(note,))


def on_command(state: FlowState, command: Command, ctx: Context) -> Outcome:
    spec = COMMANDS.get(command.name)
    if spec is None:  # before onboarding too: an unknown command moves no one anywhere
        unknown = View(f"I don't know /{command.name[:30]}. /help lists what I can do.")
        return Outcome(None, views=(unknown,), show_state=False)
    if not spec.profile or ctx.privacy_accepted:
        return spec.run(state, command.args, ctx)
    return _needs_profile(state, command.name)


def _start(state: FlowState, args: str, ctx: Context) -> Outcome:
    if share.share_token(args):  # an appraiser needs no profile
        return share.open_link(state, ctx)
    if not ctx.privacy_accepted:  # a deep link waits until the profile is set up
        link = args if _is_deep_link(args) or groups.optin_payload(args) is not None else ""
        return Outcome(state.moved("welcome", **({"then": link} if link else {})))
    chat_id = groups.optin_payload(args)
    if chat_id is not None:
        return groups.start_optin(state, chat_id, ctx)
    if _is_deep_link(args):
        return on_command(state, Command(args), ctx)
    if state.step not in (IDLE, "resume") and state.step in STEPS:
        return Outcome(account.resume_offer(state))
    if saved.NOTE in state.payload:  # said once: the note goes with the stored idle state
        view = saved.confirmation(state, ctx)
        return Outcome(state.moved(IDLE), views=(view,), show_state=False)
    return Outcome(state.moved(IDLE))


def _is_deep_link(name: str) -> bool:
    spec = COMMANDS.get(name)
    return spec is not None and spec.deep_link


def _ask(state: FlowState, args: str, ctx: Context) -> Outcome:
    return on_text(state, args, ctx, asked=True)


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
            return dispatch(state, read(state, Tap(choice)), ctx)
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


def on_tap(state: FlowState, tap: ParsedTap | None, ctx: Context, again: bool = False) -> Outcome:
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


register(
    CommandSpec(
        "start",
        _start,
        menu="Set up your profile or carry on",
        help="set up your profile",
        profile=False,
    ),
    CommandSpec(
        "ask",
        _ask,
        menu="Look something up in the frameworks",
        help="look something up, e.g. /ask strategic infection control",
        usage="ask QUESTION",
        profile=False,
    ),
)
