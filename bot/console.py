"""`careerbot console`: the same flows in a terminal, for one local user.

Buttons are numbered; a number or the button's text both work. With a terminal, rich draws
the views; without one, every line of standard input is one message and every view is
printed, so a session can be scripted. End of input ends the session.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text as RichText

from bot.flows.events import Command, Event, Tap, Text
from bot.flows.service import Reply, UserRef
from bot.flows.views import Button, View
from bot.runtime import open_runtime
from bot.settings import Settings

CONSOLE_USER_ID = 1


def parse_line(line: str, buttons: list[Button]) -> Event:
    """A typed line as an event: a command, a button (by number or text), or free text."""
    text = line.strip()
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        return Command(name.split("@")[0].lower(), args.strip())
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Tap(buttons[int(text) - 1].data or "")
    for button in buttons:
        if button.data and text.casefold() == _plain(button.text).casefold():
            return Tap(button.data)
    return Text(text)


def _plain(label: str) -> str:
    return label.lstrip("✓✅▫️ ").strip()


class ConsoleChat:
    """Draws views and keeps the buttons of the latest one so they can be chosen by number."""

    def __init__(self, console: Console, save_dir: Path, fancy: bool) -> None:
        self.console = console
        self.save_dir = save_dir
        self.fancy = fancy
        self.buttons: list[Button] = []

    def show(self, reply: Reply) -> None:
        if reply.notice:
            self.console.print(f"({reply.notice})", style="italic")
        for view in reply.views:
            self._show_view(view)

    def _show_view(self, view: View) -> None:
        buttons = [b for row in view.buttons for b in row if b.data]
        if buttons:
            self.buttons = buttons
        choices = "  ".join(f"[{n}] {b.text}" for n, b in enumerate(buttons, start=1))
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


async def run_console(settings: Settings) -> None:
    interactive = sys.stdin.isatty()
    console = Console()
    chat = ConsoleChat(console, settings.sqlite_path.parent / "exports", fancy=interactive)
    user = UserRef(CONSOLE_USER_ID, getpass.getuser())
    async with open_runtime(settings) as runtime:
        if interactive:
            console.print(
                "careerbot console: type /start, a number to tap a button, "
                "or a question. Ctrl-D quits.",
                style="bold",
            )
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
            chat.show(await runtime.conversations.handle(user, event))
