"""Telegram Bot API emulator for end-to-end tests, and a user-side client for it.

``Emulator`` runs ``node tests/e2e/emulator/start.js`` (telegram-test-api 4.2.1, patched at
runtime so python-telegram-bot 22 works against it). It installs nothing: CI runs
``npm ci --prefix tests/e2e/emulator`` first.

The bot under test talks to ``emulator.base_url`` with ``emulator.token``; a test acts as a
Telegram user through ``emulator.private_chat()`` / ``emulator.group_chat().member()``::

    with Emulator() as emu:
        env = {**os.environ, **emu.bot_env()}          # TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL
        alice = emu.private_chat(user_id=1001, first_name="Alice")
        alice.send_command("/start")
        menu = alice.wait_for_bot_message(lambda m: m.keyboard)
        alice.press(menu.keyboard[0][0][1], menu.message_id)

When the bot runs in the test's own event loop, wait with ``await user.wait_for_async(...)``:
the synchronous ``wait_for`` blocks the loop and the bot with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

EMULATOR_DIR = Path(__file__).resolve().parent / "emulator"
START_SCRIPT = EMULATOR_DIR / "start.js"
NODE_MODULES = EMULATOR_DIR / "node_modules"
INSTALL_HINT = "run npm ci in tests/e2e/emulator (npm ci --prefix tests/e2e/emulator)"

DEFAULT_TOKEN = "123456:TEST-TOKEN"  # the emulator accepts any token; bot and users must share it
BOT_ID = 666  # telegram-test-api's bot: fixed id and username
BOT_USERNAME = "TestNameBot"

T = TypeVar("T")
Keyboard = list[list[tuple[str, str | None]]]


class EmulatorError(RuntimeError):
    """The emulator could not start, or refused a user-side request."""


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_available() -> bool:
    return shutil.which("node") is not None


def emulator_installed() -> bool:
    return (NODE_MODULES / "telegram-test-api" / "package.json").is_file()


@dataclass(frozen=True)
class ChatMessage:
    """A message in a chat, in its latest state (after any edits)."""

    message_id: int
    from_bot: bool
    text: str | None
    caption: str | None
    keyboard: Keyboard
    edited: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> ChatMessage:
        rows = (raw.get("reply_markup") or {}).get("inline_keyboard") or []
        keyboard = [[(b["text"], b.get("callback_data")) for b in row] for row in rows]
        return cls(
            message_id=raw["message_id"],
            from_bot=bool((raw.get("from") or {}).get("is_bot")),
            text=raw.get("text"),
            caption=raw.get("caption"),
            keyboard=keyboard,
            edited="edit_date" in raw,
            raw=raw,
        )

    @property
    def content(self) -> str:
        """The text, or the caption of a photo/document ('' if neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        return [button for row in self.keyboard for button in row]

    def callback_data(self, button_text: str) -> str:
        """The callback_data of the button labelled ``button_text``."""
        for text, data in self.buttons:
            if text == button_text and data is not None:
                return data
        raise KeyError(f"no callback button {button_text!r} on message {self.message_id}")

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.raw.get("photo")

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """A reply keyboard (or remove_keyboard / force_reply) the bot attached, if any."""
        return self.raw.get("reply_keyboard")


class Emulator:
    """The emulator as a process; use as ``with Emulator() as emu:`` or ``async with``."""

    def __init__(
        self,
        port: int | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        startup_timeout: float = 20.0,
    ) -> None:
        self.token = token
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._port: int | None = None
        self._output: deque[str] = deque(maxlen=200)
        self._ready = threading.Event()
        self._http: httpx.Client | None = None
        self._readers: list[threading.Thread] = []

    # -- process ---------------------------------------------------------------------------
    def start(self) -> Emulator:
        if self._process is not None:
            return self
        node = shutil.which("node")
        if node is None:
            raise EmulatorError("node is not installed (Node 20 runs the Bot API emulator)")
        if not emulator_installed():
            raise EmulatorError(f"{NODE_MODULES} is missing: {INSTALL_HINT}")
        port = self._requested_port if self._requested_port is not None else 0
        env = {**os.environ, "EMULATOR_EXIT_ON_STDIN_EOF": "1"}
        env.pop("PORT", None)
        self._process = subprocess.Popen(
            [node, str(START_SCRIPT), str(port)],
            cwd=EMULATOR_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        for stream, name in ((self._process.stdout, "out"), (self._process.stderr, "err")):
            reader = threading.Thread(target=self._read, args=(stream, name), daemon=True)
            reader.start()
            self._readers.append(reader)
        deadline = time.monotonic() + self._startup_timeout
        while not self._ready.wait(0.05):
            if self._process.poll() is not None or time.monotonic() > deadline:
                code = self._process.poll()
                self.stop()
                why = f"exited with code {code}" if code is not None else "did not print READY"
                raise EmulatorError(f"Bot API emulator {why}:\n{self.log()}")
        self._http = httpx.Client(base_url=self.api_url, timeout=10.0)
        return self

    def _read(self, stream: Any, name: str) -> None:
        for line in stream:
            line = line.rstrip("\n")
            self._output.append(f"[{name}] {line}")
            if name == "out" and line.startswith("READY ") and not self._ready.is_set():
                self._port = int(line.split()[1])
                self._ready.set()

    def stop(self) -> None:
        process, self._process = self._process, None
        if self._http is not None:
            self._http.close()
            self._http = None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=2)
        self._readers.clear()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def log(self) -> str:
        """The emulator's recent stdout/stderr lines, for failure messages."""
        return "\n".join(self._output)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # -- addresses -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise EmulatorError("the emulator is not running")
        return self._port

    @property
    def api_url(self) -> str:
        """Root of the user-side routes."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB: ``Application.builder().base_url(emu.base_url)``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For PTB's ``base_file_url`` (the emulator serves no file downloads)."""
        return f"{self.api_url}/file/bot"

    @property
    def bot_id(self) -> int:
        return BOT_ID

    @property
    def bot_username(self) -> str:
        return BOT_USERNAME

    def bot_env(self) -> dict[str, str]:
        """Environment for a bot process under test."""
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_BASE_URL": self.base_url,
            "TELEGRAM_BASE_FILE_URL": self.base_file_url,
        }

    # -- user side -------------------------------------------------------------------------
    def request(self, route: str, **body: Any) -> Any:
        """POST a user-side route; returns its ``result`` or raises EmulatorError."""
        if self._http is None:
            raise EmulatorError("the emulator is not running")
        try:
            response = self._http.post(route, json={"token": self.token, **body})
        except httpx.HTTPError as err:
            raise EmulatorError(f"{route} failed: {err!r}\n{self.log()}") from err
        try:
            payload = response.json()
        except ValueError as err:
            raise EmulatorError(f"{route}: HTTP {response.status_code} {response.text!r}") from err
        if not payload.get("ok"):
            raise EmulatorError(f"{route}: {payload.get('description') or payload}")
        return payload["result"]

    def private_chat(
        self,
        user_id: int = 1001,
        first_name: str = "Alice",
        *,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> UserClient:
        """A user in their private chat with the bot (chat id == user id)."""
        user = _user(user_id, first_name, username, language_code)
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        return UserClient(self, user, chat)

    def group_chat(
        self, chat_id: int = -100, title: str = "Test group", *, chat_type: str = "group"
    ) -> GroupChat:
        """A group (negative id) with the bot in it; add people with ``.member(...)``."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        return GroupChat(self, {"id": chat_id, "type": chat_type, "title": title})

    def inject_update(self, update: dict[str, Any]) -> int:
        """Deliver a raw Update (update_id assigned if missing); returns its update_id."""
        return int(self.request("/injectUpdate", update=update)["update_id"])

    def bot_actions(self, chat_id: int | None = None, method: str | None = None) -> list[dict]:
        """What the bot did, in order: sendMessage, edit*, sendDocument, setMyCommands, ...

        ``chat_id=None`` gives every chat, including chat-less actions (setMyCommands).
        """
        return self.request("/botActions", chatId=chat_id, method=method)

    def chat_messages(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat (user's and bot's) in its latest state."""
        return [ChatMessage.from_api(m) for m in self.request("/chatMessages", chatId=chat_id)]

    def set_chat_member(self, chat_id: int, member: dict[str, Any]) -> None:
        """What getChatMember answers for ``member['user']['id']`` in ``chat_id``."""
        self.request("/setChatMember", chatId=chat_id, member=member)

    def stats(self) -> dict[str, Any]:
        """Bot API calls served per method, updates dropped by allowed_updates, ..."""
        return self.request("/stats")

    def hold(self, method: str) -> None:
        """From now on calls of Bot API ``method`` hang unanswered and are not recorded: the
        bot is stuck in the middle of a reply (until ``release``, or a kill)."""
        self.request("/hold", method=method)

    def release(self) -> int:
        """Stop holding; each held call fails. Returns how many were held."""
        return int(self.request("/release"))

    def held(self, method: str) -> int:
        """How many calls of ``method`` have been held."""
        return int(self.stats()["held"].get(method, 0))

    def deliveries(self, update_id: int) -> int:
        """How many times getUpdates has handed out update ``update_id``."""
        return int(self.stats()["deliveries"].get(str(update_id), 0))

    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot (a getUpdates offset past them)."""
        return int(self.stats()["pending_updates"])

    def get_updates_calls(self) -> int:
        return int(self.stats()["calls"].get("getUpdates", 0))

    def reset(self) -> None:
        """Forget every chat, message and recorded action (the process keeps running)."""
        self.request("/reset")


def _user(
    user_id: int, first_name: str, username: str | None, language_code: str | None
) -> dict[str, Any]:
    if user_id <= 0:
        raise ValueError("user ids are positive")
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class GroupChat:
    """A group chat; each ``member()`` is a UserClient writing into it."""

    def __init__(self, emulator: Emulator, chat: dict[str, Any]) -> None:
        self.emulator = emulator
        self.chat = chat

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def member(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> UserClient:
        return UserClient(
            self.emulator, _user(user_id, first_name, username, language_code), self.chat
        )

    def messages(self) -> list[ChatMessage]:
        return self.emulator.chat_messages(self.chat_id)

    def bot_actions(self, method: str | None = None) -> list[dict]:
        return self.emulator.bot_actions(self.chat_id, method)


class UserClient:
    """One Telegram user writing in one chat (private, or a group they are in)."""

    def __init__(self, emulator: Emulator, user: dict[str, Any], chat: dict[str, Any]) -> None:
        self.emulator = emulator
        self.user = user
        self.chat = chat

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def _send(self, route: str, **body: Any) -> dict[str, Any]:
        return self.emulator.request(route, **{"from": self.user, "chat": self.chat, **body})

    # -- acting ----------------------------------------------------------------------------
    def send_text(self, text: str, *, reply_to: int | None = None) -> int:
        """The user writes ``text``; returns the new message's id."""
        extra = {} if reply_to is None else {"reply_to_message_id": reply_to}
        return int(self._send("/sendMessage", text=text, **extra)["message_id"])

    def send_command(self, command: str) -> int:
        """The user sends e.g. ``"/start payload"`` (a bot_command entity over ``/start``)."""
        if not command.startswith("/") or command[1:2] in ("", " "):
            raise ValueError(f"not a command: {command!r}")
        name = command.split(maxsplit=1)[0]
        entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(name)}]
        return int(self._send("/sendCommand", text=command, entities=entities)["message_id"])

    def press(
        self, callback_data: str, message_id: int | None = None, *, force: bool = False
    ) -> str:
        """Press the inline button with ``callback_data`` on bot message ``message_id``.

        Without ``message_id`` the latest bot message offering that button is used. The
        emulator refuses a button the message does not show now (``force=True`` sends anyway).
        Returns the callback query id.
        """
        if message_id is None:
            offering = [
                m for m in self.bot_messages() if any(d == callback_data for _, d in m.buttons)
            ]
            if not offering:
                raise EmulatorError(f"no bot message in chat {self.chat_id} has {callback_data!r}")
            message_id = offering[-1].message_id
        result = self._send("/sendCallback", message_id=message_id, data=callback_data, force=force)
        return str(result["callback_query_id"])

    def inline_query(self, query: str, *, offset: str = "", chat_type: str = "sender") -> str:
        """The user types ``@TestNameBot query``; returns the inline query id."""
        query_id = f"iq{time.monotonic_ns()}"
        inline = {
            "id": query_id,
            "from": self.user,
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        self.inject_update({"inline_query": inline})
        return query_id

    def inject_update(self, update: dict[str, Any]) -> int:
        return self.emulator.inject_update(update)

    # -- observing -------------------------------------------------------------------------
    def messages(self) -> list[ChatMessage]:
        """Every message in this chat, in order, as the user sees it now."""
        return self.emulator.chat_messages(self.chat_id)

    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages() if m.from_bot]

    def latest_bot_message(self) -> ChatMessage | None:
        bot = self.bot_messages()
        return bot[-1] if bot else None

    def bot_message(self, message_id: int) -> ChatMessage:
        for message in self.bot_messages():
            if message.message_id == message_id:
                return message
        raise KeyError(f"no bot message {message_id} in chat {self.chat_id}")

    def bot_actions(self, method: str | None = None) -> list[dict]:
        return self.emulator.bot_actions(self.chat_id, method)

    # -- waiting ---------------------------------------------------------------------------
    def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.05
    ) -> T:
        """Poll ``predicate()`` until it returns something truthy; return that.

        Blocks the thread: for a bot running in the same event loop use ``wait_for_async``.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(self._timeout_message(timeout))
            time.sleep(interval)

    async def wait_for_async(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, as in wait_for
        interval: float = 0.05,
    ) -> T:
        """``wait_for`` that yields to the event loop between polls."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(self._timeout_message(timeout))
            await asyncio.sleep(interval)

    def _new_bot_message(
        self, predicate: Callable[[ChatMessage], Any] | None, after: int | None
    ) -> Callable[[], ChatMessage | None]:
        def check() -> ChatMessage | None:
            for message in reversed(self.bot_messages()):
                if after is not None and message.message_id <= after:
                    return None
                if predicate is None or predicate(message):
                    return message
            return None

        return check

    def wait_for_bot_message(
        self,
        predicate: Callable[[ChatMessage], Any] | None = None,
        *,
        after: int | None = None,
        timeout: float = 5.0,
    ) -> ChatMessage:
        """The latest bot message (newer than message ``after``) matching ``predicate``."""
        return self.wait_for(self._new_bot_message(predicate, after), timeout)

    async def wait_for_bot_message_async(
        self,
        predicate: Callable[[ChatMessage], Any] | None = None,
        *,
        after: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, as in wait_for
    ) -> ChatMessage:
        return await self.wait_for_async(self._new_bot_message(predicate, after), timeout)

    def _timeout_message(self, timeout: float) -> str:
        try:
            lines = [
                f"  {'bot' if m.from_bot else 'user'} #{m.message_id}: {m.content!r}"
                + (f" keyboard={m.keyboard}" if m.keyboard else "")
                for m in self.messages()[-10:]
            ]
        except EmulatorError as err:
            lines = [f"  (could not read the chat: {err})"]
        chat = "\n".join(lines) or "  (no messages)"
        return f"condition not met within {timeout}s; chat {self.chat_id} now:\n{chat}"
