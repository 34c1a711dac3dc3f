"""Handlers: each turns one Telegram update into a flow event and delivers the reply."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.flows.events import Command, Event, Tap, Text
from bot.flows.groups import optin_payload
from bot.flows.service import Conversations, UserRef
from bot.telegram.delivery import answer_tap, deliver
from bot.telegram.lookups import on_lookup_tap
from bot.telegram.notices import NoticeThrottle

log = logging.getLogger(__name__)

NON_TEXT_HINT = "I can only read text and button taps. Type a question, or /help."
EDITED_HINT = "I only act on new messages, not edits: send it again if you want a new answer."
FAILED = "Sorry, something went wrong on my side. Your answers so far are saved; please try again."
DB_DOWN = (
    "I'm temporarily unavailable (my database is not answering). Your answers so far are saved; "
    "please try again in a minute."
)


def conversations(context: ContextTypes.DEFAULT_TYPE) -> Conversations:
    return context.bot_data["conversations"]


def notices(context: ContextTypes.DEFAULT_TYPE) -> NoticeThrottle:
    return context.bot_data.setdefault("notices", NoticeThrottle())


def parse_command(text: str, bot_username: str) -> Command | None:
    """`/name@bot args` as a Command, or None when it is addressed to another bot."""
    head, _, args = text.partition(" ")
    name, _, addressee = head[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return Command(name.lower(), args.strip())


def from_bot(update: Update) -> bool:
    """Sent by a bot. Telegram keeps bots from seeing each other's messages (they could loop
    for ever); should one arrive anyway (a self-hosted Bot API server), it is not answered."""
    return update.effective_user is not None and update.effective_user.is_bot


async def _run(update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        if update.callback_query is not None:  # e.g. a tap on an inline-mode message
            await answer_tap(update.callback_query)
        return
    if from_bot(update):
        return
    reply = await conversations(context).handle(UserRef(user.id, user.full_name), event)
    if reply.notice and not notices(context).allow(chat.id):
        reply = replace(reply, notice="")
    await deliver(context.bot, chat.id, reply, update.callback_query)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = parse_command(message.text, context.bot.username)
    if command is None:
        return
    chat_id = optin_payload(command.args) if command.name == "start" else None
    if chat_id is not None and update.effective_user is not None:
        await confirm_membership(context, chat_id, update.effective_user.id)
    await _run(update, context, command)


async def confirm_membership(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int
) -> None:
    """Ask Telegram whether the user is in the group of an opt-in link, and record it if so.

    The bot otherwise only learns members from their commands in the group (privacy mode).
    """
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
        if member.status in (ChatMember.LEFT, ChatMember.BANNED):
            return
        chat = await context.bot.get_chat(chat_id)
    except TelegramError:
        return  # not a group the bot can see, or not a member: the flow says so
    repo = context.bot_data["runtime"].repo
    await repo.group_seen(chat_id, chat.title or "")
    await repo.touch_user(user_id, member.user.full_name)
    await repo.join_group(chat_id, user_id)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await _run(update, context, Text(message.text))


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Taps in the private chat go to the flows; in groups only lookup buttons exist."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    if chat is not None and chat.type != chat.PRIVATE:
        await on_lookup_tap(update, context)
        return
    await _run(update, context, Tap(query.data or ""))


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None and not from_bot(update):
        await update.effective_message.reply_text(NON_TEXT_HINT)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.edited_message is not None and not from_bot(update):
        await update.edited_message.reply_text(EDITED_HINT)


def update_kind(update: object) -> str:
    """What kind of update this is (message, callback_query...), never its content."""
    if isinstance(update, Update):
        for kind in (
            "callback_query",
            "edited_message",
            "inline_query",
            "message",
            "chat_member",
            "my_chat_member",
            "channel_post",
        ):
            if getattr(update, kind) is not None:
                return kind
        return "other"
    return type(update).__name__


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure by update kind and tell the user, without losing their place."""
    error = context.error
    log.error("error while handling a %s update", update_kind(update), exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # (PoolTimeout: no database connection came free in time, e.g. behind a locked file)
    down = (OperationalError, DBAPIError, PoolTimeout, OSError)
    text = DB_DOWN if isinstance(error, down) else FAILED
    try:
        if update.callback_query is not None:
            await answer_tap(update.callback_query)
        await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # noqa: BLE001 - telling the user is best effort; the error is logged
        log.warning("could not tell the user about the error")
