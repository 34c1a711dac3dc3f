"""Real Telegram updates for the bot under test, and a user who sends them.

The builders return Bot API dicts (what Telegram posts to a webhook or returns from
getUpdates); ``as_update`` turns one into a ``telegram.Update`` bound to the bot.
``TgUser`` acts as one person in their private chat: sends text and commands, and presses
buttons on the messages the bot has sent (as ``RecordingRequest`` keeps them).
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.settings import Settings
from tests.telegram.recording import Call, RecordingRequest

#: A token that must never show up in logs or output.
TOKEN = "424242:SECRET-test-token-never-logged"

_update_ids = itertools.count(1)
_message_ids = itertools.count(10_000)
_query_ids = itertools.count(1)


def user(user_id: int = 1001, first_name: str = "Alice", last_name: str | None = None) -> dict:
    u: dict[str, Any] = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "en",
    }
    if last_name:
        u["last_name"] = last_name
    return u


def private_chat(from_user: dict) -> dict:
    return {"id": from_user["id"], "type": "private", "first_name": from_user["first_name"]}


def _message(from_user: dict, chat: dict | None = None, **content: Any) -> dict:
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or private_chat(from_user),
        "from": from_user,
        **content,
    }


def _update(**kind: Any) -> dict:
    return {"update_id": next(_update_ids), **kind}


def text_message(text: str, from_user: dict | None = None, chat: dict | None = None) -> dict:
    """The user writes `text` (no entities: not a command even if it starts with a slash)."""
    return _update(message=_message(from_user or user(), chat, text=text))


def command(text: str, from_user: dict | None = None, chat: dict | None = None) -> dict:
    """`/name args` with the bot_command entity Telegram adds."""
    name = text.split(maxsplit=1)[0]
    entity = {"type": "bot_command", "offset": 0, "length": len(name.encode("utf-16-le")) // 2}
    return _update(message=_message(from_user or user(), chat, text=text, entities=[entity]))


def callback(
    data: str,
    message: dict | None,
    from_user: dict | None = None,
    *,
    inline_message_id: str | None = None,
) -> dict:
    """The user presses a button with `data` on the bot's `message` (a Bot API Message dict)."""
    sender = from_user or user()
    query: dict[str, Any] = {
        "id": f"cq{next(_query_ids)}",
        "from": sender,
        "chat_instance": f"ci{sender['id']}",
        "data": data,
    }
    if message is not None:
        query["message"] = message
    if inline_message_id is not None:
        query["inline_message_id"] = inline_message_id
    return _update(callback_query=query)


def inaccessible(message: dict) -> dict:
    """How Telegram sends a message the bot can no longer see (older than 48 hours)."""
    return {"chat": message["chat"], "message_id": message["message_id"], "date": 0}


def sticker(from_user: dict | None = None) -> dict:
    return _update(
        message=_message(
            from_user or user(),
            sticker={
                "file_id": "stk1",
                "file_unique_id": "ustk1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        )
    )


def photo(caption: str | None = None, from_user: dict | None = None) -> dict:
    extra = {"caption": caption} if caption else {}
    sizes = [{"file_id": "ph1", "file_unique_id": "uph1", "width": 90, "height": 90}]
    return _update(message=_message(from_user or user(), photo=sizes, **extra))


def document(
    file_id: str, file_name: str, mime_type: str, size: int, from_user: dict | None = None
) -> dict:
    """A document message; the file's content is whatever the test put in `rec.files`."""
    doc = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": size,
    }
    return _update(message=_message(from_user or user(), document=doc))


def voice(from_user: dict | None = None) -> dict:
    return _update(
        message=_message(
            from_user or user(), voice={"file_id": "v1", "file_unique_id": "uv1", "duration": 3}
        )
    )


def location(from_user: dict | None = None) -> dict:
    return _update(
        message=_message(from_user or user(), location={"latitude": 51.5, "longitude": -0.12})
    )


def edited_message(text: str, from_user: dict | None = None) -> dict:
    message = _message(from_user or user(), text=text, edit_date=int(time.time()))
    return _update(edited_message=message)


def as_update(data: dict, bot: Bot) -> Update:
    return Update.de_json(data, bot)


def bot_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a bot under test: explicit values only, no `.env` read."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_base_url": "http://127.0.0.1:9/bot",  # never reached: tests replace HTTP
        "telegram_base_file_url": "http://127.0.0.1:9/file/bot",
        "database_url": database_url,
        "webhook_url": None,
        "webhook_secret": None,
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def started(app: Application) -> AsyncIterator[Application]:
    """The application initialised with its start-up hook run (as run_polling would)."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        yield app
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def sqlite_file(url: str) -> Path:
    """The file of a `sqlite+aiosqlite:///...` URL."""
    return Path(url.split(":///", 1)[1])


def query_db(url: str, sql: str, *args: Any) -> list[tuple]:
    """Rows from the SQLite database behind `url`, read directly with sqlite3."""
    conn = sqlite3.connect(sqlite_file(url))
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


class TgUser:
    """One person in their private chat with the bot, driving `app` update by update."""

    def __init__(
        self,
        app: Application,
        request: RecordingRequest,
        user_id: int = 1001,
        first_name: str = "Alice",
    ) -> None:
        self.app = app
        self.request = request
        self.user = user(user_id, first_name)
        self.chat_id = user_id

    async def feed(self, data: dict) -> list[Call]:
        """Process one raw update; returns the Bot API calls it caused."""
        mark = self.request.mark()
        await self.app.process_update(as_update(data, self.app.bot))
        return self.request.since(mark)

    async def send(self, text: str) -> list[Call]:
        return await self.feed(text_message(text, self.user))

    async def command(self, text: str) -> list[Call]:
        return await self.feed(command(text, self.user))

    async def tap_data(self, data: str, message_id: int) -> list[Call]:
        """Press a button with `data` on bot message `message_id` (as it is now)."""
        message = self.request.message(self.chat_id, message_id)
        return await self.feed(callback(data, _clean(message), self.user))

    async def press(self, label: str, message_id: int | None = None) -> list[Call]:
        """Press the button whose text contains `label` on the newest message showing one."""
        message_id, data = self.find_button(label, message_id)
        return await self.tap_data(data, message_id)

    def find_button(self, label: str, message_id: int | None = None) -> tuple[int, str]:
        messages = self.request.bot_messages(self.chat_id)
        if message_id is not None:
            messages = [self.request.message(self.chat_id, message_id)]
        for message in reversed(messages):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for row in rows:
                for button in row:
                    if label.casefold() in button["text"].casefold() and button.get(
                        "callback_data"
                    ):
                        return message["message_id"], button["callback_data"]
        shown = [
            (
                m["message_id"],
                [
                    b["text"]
                    for r in m.get("reply_markup", {}).get("inline_keyboard", [])
                    for b in r
                ],
            )
            for m in messages[-3:]
        ]
        raise AssertionError(f"no button {label!r} on the bot's messages: {shown}")

    def latest(self) -> dict:
        return self.request.bot_messages(self.chat_id)[-1]


def _clean(message: dict) -> dict:
    return {k: v for k, v in message.items() if not k.startswith("_")}
