"""`careerbot console`: the same flows in a terminal, for one local user.

Buttons are numbered across each reply; a number or the button's text both work, and a number
always means a button of the latest reply. With a terminal, rich draws the views; without one,
every line of standard input is one message and every view is printed, so a session can be
scripted. End of input ends the session. Reminders due are shown when the console starts.
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text as RichText

from bot.conversations import Reply, UserRef
from bot.flows.events import Command, Event, Tap, Text
from bot.flows.reminders import reminder_view
from bot.flows.typed import PickOne, typed_choice
from bot.flows.views import Button, View
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings

CONSOLE_USER_ID = 1
CLAIMER = "console"
INTRO = (
    "careerbot console: type /start, a number to tap a button, or a question. Ctrl-D quits.\n"
    "Reminders set with /remind show here when you open the console on or after their day."
)


def parse_line(line: str, buttons: list[Button]) -> Event | PickOne:
    """A typed line as an event: a command, a button just shown (by number or text), or free
    text. A number that is none of those buttons is `PickOne`, for the console to answer."""
    text = line.strip()
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        return Command(name.split("@")[0].lower(), args.strip())
    choice = typed_choice(text, buttons)
    if isinstance(choice, str):
        return Tap(choice)
    if isinstance(choice, PickOne) and text.isdecimal():
        return choice
    return Text(text)


class ConsoleChat:
    """Draws views and keeps the buttons just shown, numbered across the whole reply."""

    def __init__(self, console: Console, save_dir: Path, fancy: bool) -> None:
        self.console = console
        self.save_dir = save_dir
        self.fancy = fancy
        self.buttons: list[Button] = []

    def show(self, reply: Reply) -> None:
        if reply.notice:
            self.console.print(f"({reply.notice})", style="italic")
        if reply.views:  # a notice alone leaves the buttons on screen as they were
            self.buttons = []
        for view in reply.views:
            self._show_view(view)
        if reply.forgotten:
            self._forget_exports()

    def say(self, text: str) -> None:
        """A line of the console's own (not from the bot's flows)."""
        if self.fancy:
            self.console.print(text, style="italic")
        else:
            print(f"{text}\n")

    def _show_view(self, view: View) -> None:
        first = len(self.buttons) + 1
        buttons = [b for row in view.buttons for b in row if b.data]
        self.buttons.extend(buttons)
        choices = "  ".join(f"[{n}] {b.text}" for n, b in enumerate(buttons, start=first))
        for attachment in view.attachments:
            self.save_dir.mkdir(parents=True, exist_ok=True)
            path = self.save_dir / attachment.filename
            path.write_bytes(attachment.content)
            choices += f"\nSaved {attachment.filename} to {path}"
        if self.fancy:
            body = RichText(view.body)
            if choices:
                body.append("\n\n" + choices, style="cyan")
            self.console.print(Panel(body, title=view.title or None, title_align="left"))
        else:
            if view.title:
                print(f"== {view.title} ==")
            print(view.body)
            if choices:
                print(choices)
            print()

    def _forget_exports(self) -> None:
        """The exports this console saved (JSON, PDF, chart) go with the rest of the data."""
        saved = (
            [p for p in self.save_dir.glob("*") if p.is_file()] if self.save_dir.is_dir() else []
        )
        for path in saved:
            path.unlink()
        if saved:
            self.say(f"Also deleted the {len(saved)} exported file(s) in {self.save_dir}.")


async def show_due_reminders(runtime: Runtime, chat: ConsoleChat) -> None:
    """Reminders that fell due while the console was closed, shown once each."""
    for reminder in await runtime.repo.due_reminders(datetime.now(UTC)):
        if reminder.user_id != CONSOLE_USER_ID:
            continue
        if await runtime.repo.claim_reminder(reminder.id, CLAIMER):
            chat.show(Reply((reminder_view(),)))
            await runtime.repo.mark_reminder_sent(reminder.id)


async def run_console(settings: Settings) -> None:
    interactive = sys.stdin.isatty()
    console = Console()
    chat = ConsoleChat(console, settings.sqlite_path.parent / "exports", fancy=interactive)
    user = UserRef(CONSOLE_USER_ID, getpass.getuser())
    async with open_runtime(settings) as runtime:
        if interactive:
            console.print(INTRO, style="bold")
        await show_due_reminders(runtime, chat)
        while True:
            try:
                line = console.input("> ") if interactive else sys.stdin.readline()
            except (EOFError, KeyboardInterrupt):
                break
            if not interactive and line == "":
                break
            if not interactive:
                print(f"> {line.rstrip()}")
            event = parse_line(line, chat.buttons)
            if isinstance(event, PickOne):
                chat.say(event.message)
            else:
                chat.show(await runtime.conversations.handle(user, event))
