"""What a flow shows: text with buttons, independent of how a front end draws it."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MAX_CAPTION = 1024


def utf16_len(text: str) -> int:
    """The length of `text` as Telegram counts it, in UTF-16 code units: a character outside
    the Basic Multilingual Plane (most emoji) counts two."""
    return len(text.encode("utf-16-le")) // 2


def utf16_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units (never half a character)."""
    size = 0
    for n, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            return n
    return len(text)


def utf16_clip(text: str, limit: int) -> str:
    """`text`, or as much of it as fits `limit` UTF-16 units with "…" marking the cut."""
    if utf16_len(text) <= limit:
        return text
    return text[: utf16_prefix(text, limit - 1)] + "…"


@dataclass(frozen=True, slots=True)
class Button:
    """A tappable choice. `data` is what comes back when it is tapped; `url` opens a link."""

    text: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent after a view's text: `kind` "document" (e.g. the `/export` JSON) or "photo"
    (an image shown inline, e.g. the profile chart); `caption` is at most 1024 characters."""

    filename: str
    content: bytes
    caption: str = ""
    kind: str = "document"


@dataclass(frozen=True, slots=True)
class View:
    """One message: an optional bold title, plain body text, rows of buttons.

    `replace` says the view should replace the message the user tapped (edited in place);
    otherwise it is sent as a new message.
    """

    body: str
    title: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def plain_text(self) -> str:
        return f"{self.title}\n\n{self.body}".strip() if self.title else self.body

    def replacing(self) -> View:
        return View(self.body, self.title, self.buttons, True, self.attachments)

    def as_new(self) -> View:
        return View(self.body, self.title, self.buttons, False, self.attachments)


def rows(*buttons: Button, per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out `per_row` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
