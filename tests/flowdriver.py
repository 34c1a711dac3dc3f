"""Drives the conversation service as a user would, checking every view against Telegram limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversations import Conversations, Reply, UserRef
from bot.flows.events import Command, Event, Tap, Text
from bot.flows.views import MAX_CALLBACK_BYTES, MAX_TEXT, Button, View

# Nine self-ratings, one per domain in the framework's order, as button labels.
LEVELS = [
    "Administrative",
    "Managerial",
    "Not yet",
    "Administrative",
    "Managerial",
    "Strategic",
    "Administrative",
    "Not yet",
    "Administrative",
]
# The same with Finance (the fifth domain) rated Strategic, so its holder may offer to mentor.
STRATEGIC_IN_FINANCE = [*LEVELS[:4], "Strategic", "Managerial", *LEVELS[6:]]


def check_limits(reply: Reply) -> None:
    """Every view fits a Telegram message; every button's data fits callback data."""
    for view in reply.views:
        assert 0 < len(view.plain_text) <= MAX_TEXT, f"view of {len(view.plain_text)} chars"
        for row in view.buttons:
            for button in row:
                assert button.data or button.url
                if button.data:
                    assert len(button.data.encode()) <= MAX_CALLBACK_BYTES, button.data


@dataclass
class Driver:
    service: Conversations
    user: UserRef = field(default_factory=lambda: UserRef(42, "Sam"))
    replies: list[Reply] = field(default_factory=list)

    async def send(self, event: Event) -> Reply:
        reply = await self.service.handle(self.user, event)
        check_limits(reply)
        self.replies.append(reply)
        return reply

    async def command(self, text: str) -> Reply:
        name, _, args = text.lstrip("/").partition(" ")
        return await self.send(Command(name, args))

    async def type(self, text: str) -> Reply:
        return await self.send(Text(text))

    def button(self, label: str, reply: Reply | None = None) -> Button:
        """The button whose text contains `label` in the given (default: latest) reply."""
        reply = reply or self.replies[-1]
        for view in reversed(reply.views):
            for row in view.buttons:
                for button in row:
                    if label.casefold() in button.text.casefold():
                        return button
        raise AssertionError(f"no button {label!r} in {[self.labels(v) for v in reply.views]}")

    async def tap(self, label: str, reply: Reply | None = None) -> Reply:
        return await self.send(Tap(self.button(label, reply).data or ""))

    @staticmethod
    def labels(view: View) -> list[str]:
        return [b.text for row in view.buttons for b in row]

    @property
    def text(self) -> str:
        return "\n".join(v.plain_text for v in self.replies[-1].views)

    async def onboard(self, stage: str = "Early", directions: tuple[str, ...] = ("Moving up",)):
        await self.command("/start")
        await self.onboard_steps(stage, directions)

    async def onboard_steps(
        self, stage: str = "Early", directions: tuple[str, ...] = ("Moving up",)
    ) -> None:
        """The taps of onboarding, from the welcome message on."""
        await self.tap("OK, let's start")
        await self.tap("Practice manager")
        await self.tap(stage)
        for direction in directions:
            await self.tap(direction)
        await self.tap("Done")

    async def assess(self, levels: list[str], deeper: bool = False) -> None:
        """Rate the nine domains in order; `levels` holds button labels or "skip"."""
        await self.command("/assess")
        for level in levels:
            await self.tap("Skip" if level == "skip" else level)
        if not deeper:
            await self.tap("No thanks")
        await self.tap("Accept these targets")

    async def set_objective(self, gap: str, what: str, how: str, due: str) -> None:
        """Set an objective for the plan's gap `gap` ("1."), due by a button or a typed date."""
        await self.command("/objective")
        await self.tap(gap)
        await self.type(what)
        await self.type(how)
        if due.endswith(("month", "months")):
            await self.tap(due)
        else:
            await self.type(due)
