"""The pieces every flow step is made of: state, context, outcome and the step registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.flows.callbacks import step_data
from bot.flows.effects import Effect
from bot.flows.events import Upload
from bot.flows.shared import SharedPlan, Sharing
from bot.flows.views import Button, View
from bot.knowledge import KnowledgeBase
from bot.storage.changes import Change
from bot.storage.records import (
    AssessmentRecord,
    Membership,
    ObjectiveRecord,
    ProfileRecord,
    ReminderRecord,
)

IDLE = "menu"


class Lookup(Protocol):
    """What the flows need of the lookup engine."""

    def ask(self, query: str, context: str | None = None) -> Any:
        """The answer to `query`, read as a follow-up to the answer keyed `context`."""

    def resolve(self, key: str) -> Any:
        """The answer behind a button's key; an unknown key gives a "none" answer."""


@dataclass(frozen=True, slots=True)
class FlowState:
    """Where a user is: a step (which names its flow), its payload and the stored version."""

    step: str = IDLE
    payload: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0

    def button(self, text: str, value: str) -> Button:
        """A button answering this step at this version."""
        return Button(text, step_data(self.step, self.version, value))

    def moved(self, step: str, **payload: Any) -> FlowState:
        """The state at another step, with a fresh payload."""
        return FlowState(step, payload, self.version)

    def at(self, step: str, **changes: Any) -> FlowState:
        """Another step of the same flow, keeping the payload (with some values changed)."""
        return FlowState(step, {**self.payload, **changes}, self.version)

    def updated(self, **changes: Any) -> FlowState:
        """The same step with some payload values changed."""
        return FlowState(self.step, {**self.payload, **changes}, self.version)


@dataclass(frozen=True, slots=True)
class Context:
    """What a step may read besides its own state.

    `history`, `membership` (of the group in focus), `open_assessment` and `objectives` are
    loaded only when the event needs them.
    """

    kb: KnowledgeBase
    lookup: Lookup
    user_name: str
    privacy_accepted: bool
    profile: ProfileRecord | None
    history: tuple[AssessmentRecord, ...] | None
    membership: Membership | None
    now: datetime
    lookup_context: str | None = None  # the key of the last lookup answer shown
    reminders: tuple[ReminderRecord, ...] = ()  # pending, loaded for "when is my next review"
    open_assessment: AssessmentRecord | None = None
    objectives: tuple[ObjectiveRecord, ...] | None = None
    sharing: Sharing | None = None  # the user's own share links
    shared: SharedPlan | None = None  # a plan shared with the user, in focus
    bot_username: str = ""  # for t.me links; "" where there is none (the console)
    user_id: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """A step's result: the next state (None: nothing to store), changes, views to show first.

    `show_state` renders the next state's view after `views`; `effect` is work the orchestrator
    does itself (deleting or exporting a user's data, the chart); `then` is a deep link to
    follow next.
    """

    state: FlowState | None
    changes: tuple[Change, ...] = ()
    views: tuple[View, ...] = ()
    show_state: bool = True
    effect: Effect | None = None
    notice: str = ""
    then: str = ""  # a /start payload to carry on with once this step is stored
    remember: str | None = None  # the key of a lookup answer shown: what follow-ups refer to


INVALID = Outcome(None, show_state=False, notice="That button is not valid here.")
"""A tap that is not one of the current step's buttons: say so, change and show nothing."""

Render = Callable[[FlowState, Context], View]
OnTap = Callable[[FlowState, str, Context], Outcome]
OnText = Callable[[FlowState, str, Context], Outcome]
OnUpload = Callable[[FlowState, Upload, Context], Outcome]
OnCommand = Callable[[FlowState, str, Context], Outcome]

Load = Literal["history", "objectives", "sharing", "open_assessment", "membership", "shared"]
"""What a step or command may need loaded besides the user's snapshot:

- `history`: the completed assessments; `objectives`: the user's objectives;
- `sharing`: the user's own share links and comments; `open_assessment`: one left open;
- `membership`: the user's membership of the group in focus (its chat id);
- `shared`: a plan shared with the user (a share link's token, or the share id in focus).
"""

Focus = Callable[[FlowState], int | None]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow: how it looks, what a tap does, what text does (if it asks for any),
    what a file does (if it takes one), and what an event at it needs loaded.

    `focus` names the group (`membership`) or share (`shared`) the step is about.
    """

    name: str
    flow: str
    render: Render
    tap: OnTap
    text: OnText | None = None
    upload: OnUpload | None = None
    loads: tuple[Load, ...] = ()
    focus: Focus | None = None


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A slash command: what it does with its arguments and what it needs loaded.

    `menu` is its line in Telegram's command menu, `usage` and `help` its line in /help (None:
    not listed); `profile`: only once the profile is set up; `deep_link`: `/start NAME` and
    a link to finish onboarding with may name it.
    """

    name: str
    run: OnCommand
    menu: str | None = None
    help: str | None = None
    usage: str = ""
    loads: tuple[Load, ...] = ()
    profile: bool = True
    deep_link: bool = False

    @property
    def help_line(self) -> str:
        return f"/{self.usage or self.name}: {self.help}"


STEPS: dict[str, Step] = {}
COMMANDS: dict[str, CommandSpec] = {}


def register(*items: Step | CommandSpec) -> None:
    """Make steps and commands reachable by name (a step's name is also its code in button
    data, a command's name what the user types after the slash)."""
    for item in items:
        registry: dict[str, Any] = STEPS if isinstance(item, Step) else COMMANDS
        if item.name in registry:
            raise ValueError(f"{type(item).__name__} {item.name!r} registered twice")
        registry[item.name] = item
