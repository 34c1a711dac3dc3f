"""Inline mode: `@bot infection control strategic` in any chat, answered from the lookup engine."""

from __future__ import annotations

import hashlib
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)

from bot.flows.views import MAX_TEXT, utf16_clip
from bot.knowledge import KnowledgeBase
from bot.lookup.answer import Answer
from bot.telegram.context import BotContext
from bot.telegram.lookups import MAX_QUERY, private_link

CACHE_SECONDS = 300
MAX_RESULTS = 10


def _one_line(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _title(answer: Answer) -> str:
    """`Range - Level` for a competency range, the domain, or the career framework item's title."""
    if answer.kind == "competency" and answer.range:
        level = answer.level.capitalize() if answer.level else "all levels"
        return f"{answer.range} - {level}"
    if answer.kind == "competency" and answer.domain:
        return answer.domain
    return answer.section or _one_line(answer.answer, 60)


def _description(answer: Answer) -> str:
    """One line under the title: the domain (for a range) and the start of the answer's body."""
    heading, _, body = answer.answer.partition("\n")
    text = body.strip() or heading
    if answer.kind == "competency" and answer.range and answer.domain:
        text = f"{answer.domain}: {text}"
    return _one_line(text)


def _items(answers: list[Any]) -> list[tuple[str, str, str]]:
    """(title, description, message) per answer; a title shared by two ranges gets the domain."""
    titles = [_title(a) for a in answers]
    items = []
    for answer, title in zip(answers, titles, strict=True):
        if titles.count(title) > 1 and answer.range and answer.domain:
            title = title.replace(answer.range, f"{answer.range} ({answer.domain})", 1)
        items.append((title, _description(answer), answer.answer))
    return items


def _article(
    title: str, description: str, text: str, keyboard: InlineKeyboardMarkup
) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=hashlib.sha1(title.encode()).hexdigest()[:32],
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(utf16_clip(text, MAX_TEXT)),
        reply_markup=keyboard,
    )


def starting_points(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    """(title, description, message) for the 9 domains and the 7 career directions."""
    items = []
    for d in kb.competency.domains:
        names = ", ".join(r.name for r in d.ranges)
        items.append(
            (f"{d.number}. {d.name}", _one_line(names), f"{d.name}: {names}\n(Source: {d.source})")
        )
    for direction in kb.career.directions:
        items.append(
            (
                direction.title,
                _one_line(direction.outcome),
                f"{direction.title}: {direction.outcome}\n(Source: {direction.source})",
            )
        )
    return items


def answers_for(engine: Any, query: str) -> list[Any]:
    """The best answer first, a clarification's candidates, or none for "not found" (its
    stock suggestions are no results for the query)."""
    answer = engine.ask(query)
    if answer.kind == "none":
        return []
    if answer.kind == "clarify":
        found = [engine.resolve(c.key) for c in answer.candidates]
    else:
        found = [answer, *(engine.resolve(c.key) for c in answer.related)]
    return found[:MAX_RESULTS]


async def on_inline_query(update: Update, context: BotContext) -> None:
    inline = update.inline_query
    if inline is None:
        return
    rt = context.runtime
    keyboard = InlineKeyboardMarkup([[private_link(context, "plan", "Plan my development")]])
    query = " ".join(inline.query.split())[:MAX_QUERY]
    items = _items(answers_for(rt.lookup, query)) if query else starting_points(rt.kb)
    seen: set[str] = set()
    results = []
    for title, description, text in items:
        if title not in seen:
            seen.add(title)
            results.append(_article(title, description, text, keyboard))
    await inline.answer(
        results[:50],
        cache_time=CACHE_SECONDS,
        is_personal=False,
        button=InlineQueryResultsButton("Open careerbot", start_parameter="help"),
    )
