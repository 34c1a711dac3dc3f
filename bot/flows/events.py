"""What a user can do: send a command, send text, tap a button, send a file."""

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
    """A button press, carrying the button's data exactly as it came back.

    `again`: this very tap was delivered before, to a bot process that stopped before it was
    done with it (False when the front end cannot tell).
    """

    data: str
    again: bool = False


@dataclass(frozen=True, slots=True)
class Upload:
    """A document or photo the user sent. `content` is empty when the front end did not fetch
    it (over the size limit); `size` is what the front end was told."""

    filename: str
    mime_type: str
    size: int
    content: bytes = b""


Event = Command | Text | Tap | Upload
