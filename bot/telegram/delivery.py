"""Sending a reply: the tapped message edited in place, new messages, files, the tap answered."""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InputFile
from telegram.error import BadRequest, NetworkError

from bot.conversations import Reply
from bot.flows.views import MAX_CAPTION, View, utf16_clip
from bot.telegram.render import PARSE_MODE, Message, messages

log = logging.getLogger(__name__)


async def deliver(bot: Bot, chat_id: int, reply: Reply, query: CallbackQuery | None = None) -> None:
    """Show `reply` in `chat_id`; `replace` views edit the message whose button was tapped."""
    if query is not None:
        await answer_tap(query, reply.notice)
    for view in reply.views:
        parts = messages(view)
        if view.replace and query is not None and await _edit(query, parts[0]):
            parts = parts[1:]
        for part in parts:
            await bot.send_message(
                chat_id, part.html, parse_mode=PARSE_MODE, reply_markup=part.keyboard
            )
        await _send_attachments(bot, chat_id, view)


async def answer_tap(query: CallbackQuery, notice: str = "") -> None:
    """Answer a tap (stops the button's spinner); a failure here must not stop the reply.

    Telegram refuses answers to queries older than about 15 seconds, e.g. taps queued while
    the bot was down, and an answer can time out: the step has been taken by then, so the
    reply is still sent (at worst the button's spinner runs on until Telegram stops it).
    """
    try:
        await query.answer(notice or None)
    except (BadRequest, NetworkError) as exc:  # NetworkError includes TimedOut
        log.info("could not answer a button tap (%s)", exc.message)


async def _edit(query: CallbackQuery, message: Message) -> bool:
    """Edit the tapped message; False when it cannot be edited and a new one must be sent."""
    if query.message is None:
        return False
    try:
        await query.edit_message_text(
            message.html, parse_mode=PARSE_MODE, reply_markup=message.keyboard
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("could not edit a message (%s); sending a new one", exc.message)
        return False
    return True


async def _send_attachments(bot: Bot, chat_id: int, view: View) -> None:
    for attachment in view.attachments:
        file = InputFile(attachment.content, filename=attachment.filename)
        caption = utf16_clip(attachment.caption, MAX_CAPTION) or None
        if attachment.kind == "photo":
            await bot.send_photo(chat_id, file, caption=caption)
        else:
            await bot.send_document(chat_id, file, caption=caption)
