"""Views as Telegram messages: HTML-escaped text within 4096 UTF-16 units, inline keyboards."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.flows.views import MAX_TEXT, Button, View, utf16_len, utf16_prefix

PARSE_MODE = "HTML"
#: Keyboards kept built. Most carry a conversation's version in their buttons' data and are
#: never sent again (about 80% of the journey's); the rest (menus, links) are hit again and
#: again, and a small cache keeps them: 2,048 kept about 6 MB of one-off keyboards.
KEYBOARDS = 256


@dataclass(frozen=True, slots=True)
class Message:
    """One Bot API message: HTML text and an optional keyboard."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None


def keyboard(view: View) -> InlineKeyboardMarkup | None:
    return _keyboard(view.buttons) if view.buttons else None


@lru_cache(maxsize=KEYBOARDS)
def _keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup:
    """Built once per distinct set of buttons (the same menu for everyone); PTB's markup
    objects are immutable, so one can be sent to many chats."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in buttons
        ]
    )


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph boundaries (then at lines, then anywhere) so each part fits `limit`
    UTF-16 units (Telegram's count)."""
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while utf16_len(paragraph) > limit:
            fits = utf16_prefix(paragraph, limit)
            cut = paragraph.rfind("\n", 0, fits)
            cut = cut if cut > 0 else fits
            parts.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip("\n")
        current = paragraph
    parts.append(current)
    return [p for p in parts if p] or [""]


def messages(view: View) -> list[Message]:
    """The view as one or more messages: the title in bold, the keyboard on the last part.

    Telegram's limit counts the text as the user sees it, so the plain text is split first and
    each part escaped afterwards.
    """
    parts = split_text(view.plain_text)
    html = [escape(p, quote=False) for p in parts]
    if view.title:
        title = escape(view.title, quote=False)
        html[0] = f"<b>{title}</b>{html[0][len(title) :]}"
    return [Message(h, keyboard(view) if n == len(html) - 1 else None) for n, h in enumerate(html)]
