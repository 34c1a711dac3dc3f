"""Documents and photos sent to the bot: fetched from Telegram (within the size limit) and
handed to the flows as an `Upload`, which keep them as CPD evidence."""

from __future__ import annotations

from telegram import Document, Message, PhotoSize, Update

from bot.flows.events import Upload
from bot.flows.evidence import ACCEPTED, MAX_FILE_BYTES
from bot.telegram.context import BotContext
from bot.telegram.handlers import _run, from_bot


async def fetch(message: Message) -> Upload | None:
    """The message's document or largest photo; fetched only when the flows could keep it."""
    source: Document | PhotoSize
    if message.document is not None:
        source = message.document
        name = source.file_name or "document"
        mime = source.mime_type or ""
    elif message.photo:
        source = message.photo[-1]
        name = f"photo-{message.date:%Y-%m-%d}-{source.file_unique_id[:8]}.jpg"
        mime = "image/jpeg"
    else:
        return None
    size = source.file_size or 0
    content = b""
    if mime in ACCEPTED and size <= MAX_FILE_BYTES:
        file = await source.get_file()
        content = bytes(await file.download_as_bytearray())
        size = len(content)
    return Upload(name, mime, size, content)


async def on_file(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or from_bot(update):
        return
    upload = await fetch(message)
    if upload is not None:
        await _run(update, context, upload)
