"""Lookup answers outside the private conversation: in groups and as inline results.

These never touch a user's stored conversation: framework content is public, so anyone in a
group may tap a candidate button and get the answer there. A member's last question in a
group is remembered (as in their private chat), so "and strategic?" follows what they asked.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.helpers import create_deep_linked_url

from bot.flows.answers import render_answer
from bot.flows.callbacks import LookupTap, parse
from bot.telegram.context import BotContext
from bot.telegram.render import PARSE_MODE, messages

MAX_QUERY = 300


def private_link(context: BotContext, payload: str, text: str) -> InlineKeyboardButton:
    """A button that opens the private chat with the bot at `payload` (a /start deep link)."""
    return InlineKeyboardButton(text, url=create_deep_linked_url(context.bot.username, payload))


async def send_answer(
    context: BotContext, chat_id: int, answer: Any, reply_to: int | None = None
) -> None:
    """Post a lookup answer with its candidate buttons and a link to the private chat.

    The first part replies to `reply_to`, and is still sent if that message is gone.
    """
    parts = messages(render_answer(answer))
    for n, part in enumerate(parts):
        keyboard = None
        if n == len(parts) - 1:
            rows = list(part.keyboard.inline_keyboard) if part.keyboard else []
            rows.append((private_link(context, "plan", "Plan my development (private)"),))
            keyboard = InlineKeyboardMarkup(rows)
        await context.bot.send_message(
            chat_id,
            part.html,
            parse_mode=PARSE_MODE,
            reply_markup=keyboard,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and n == 0
                else None
            ),
        )


async def answer_in_chat(update: Update, context: BotContext, query: str) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    query = " ".join(query.split())[:MAX_QUERY]
    if not query:
        await context.bot.send_message(
            chat.id,
            escape("Ask me about the frameworks, e.g. /ask strategic infection control"),
            parse_mode=PARSE_MODE,
        )
        return
    rt, user = context.runtime, update.effective_user
    if user is not None and user.is_bot:  # an anonymous admin: no member to remember for
        user = None
    previous = await rt.repo.last_answer(user.id) if user else None
    answer = rt.lookup.ask(query, context=previous)
    await send_answer(context, chat.id, answer, message.message_id if message else None)
    if user and answer.key:  # the member was recorded as seen before their question
        await rt.repo.remember_answer(user.id, answer.key)


async def on_lookup_tap(update: Update, context: BotContext) -> None:
    """A candidate button under a group answer: answer it in that chat, for whoever tapped."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    tap = parse(query.data or "")
    answer = context.runtime.lookup.resolve(tap.key) if isinstance(tap, LookupTap) else None
    if answer is None or answer.kind == "none":  # a forged or outdated key
        await query.answer("Sorry, I don't recognise that button.")
        return
    await query.answer()
    await send_answer(context, chat.id, answer)
