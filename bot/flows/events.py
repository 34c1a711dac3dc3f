"""What a user can do: send a command, send text, tap a button."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command such as `/assess`, with any text after it."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Tap:
    """A button press, carrying the button's data exactly as it came back."""

    data: str


Event = Command | Text | Tap
