"""A fake Bot API behind python-telegram-bot: records every call and answers it plausibly.

``RecordingRequest`` replaces PTB's HTTP layer (``build_application(settings,
request=RecordingRequest())``). Each Bot API call is kept as a ``Call`` (method, parsed
parameters with ``reply_markup`` as dicts, uploaded files by part name) and answered like
Telegram would: ``getMe`` with the bot, ``sendMessage`` / ``editMessageText`` with Message
objects (message ids increasing per chat), ``sendDocument`` / ``sendPhoto`` with the file,
``answerCallbackQuery`` / ``setMyCommands`` / ``setWebhook`` / ``deleteWebhook`` with true.

It checks what Telegram checks, so a bug in the bot shows up as the error Telegram would give:
empty or over-long text, HTML that does not parse, callback data over 64 bytes, editing a
message that does not exist (``message to edit not found``) or with the same content
(``message is not modified``). ``fail(method, failure)`` makes the next call(s) of a method
fail on purpose (``NOT_MODIFIED``, ``EDIT_NOT_FOUND``, ``QUERY_TOO_OLD``, ``FORBIDDEN``,
``too_many(retry_after)``, ``NETWORK``).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 777000
META_METHODS = ("getUpdates", "getMe", "getChatMember", "getChat", "getFile", "downloadFile")
BOT_USERNAME = "CareerbotTestBot"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
ANSWER_TEXT_LIMIT = 200

BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "careerbot",
    "username": BOT_USERNAME,
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Telegram's HTML parse mode: these tags, and &lt; &gt; &amp; &quot; and numeric entities.
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>|<|&(#x[0-9a-fA-F]+|#\d+|\w+);|&"
)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ApiError(Exception):
    """Telegram refused the call: answered with an HTTP error status and a description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def parse_html(source: str) -> str:
    """The text Telegram shows for `source` in HTML parse mode; ApiError when it cannot parse."""
    out: list[str] = []
    stack: list[str] = []
    last = 0
    for m in _TOKEN.finditer(source):
        out.append(source[last : m.start()])
        last = m.end()
        offset = len(source[: m.start()].encode())
        token = m.group(0)
        if token == "<":
            raise bad(f"can't parse entities: Unexpected end of name token at byte offset {offset}")
        if token == "&":
            out.append("&")  # Telegram tolerates a bare ampersand
            continue
        if m.group(4) is not None:
            name = m.group(4)
            if name.startswith("#x"):
                out.append(chr(int(name[2:], 16)))
            elif name.startswith("#"):
                out.append(chr(int(name[1:])))
            elif name in _NAMED:
                out.append(_NAMED[name])
            else:
                raise bad(
                    f'can\'t parse entities: Unsupported HTML entity "&{name};" at byte offset '
                    f"{offset}"
                )
            continue
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag not in _TAGS:
            raise bad(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {offset}'
            )
        if closing:
            if not stack or stack[-1] != tag:
                raise bad(
                    f"can't parse entities: Unmatched end tag at byte offset {offset}, expected \""
                    f'</{stack[-1] if stack else ""}>", found "</{tag}>"'
                )
            stack.pop()
        else:
            stack.append(tag)
    out.append(source[last:])
    if stack:
        raise bad(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


@dataclass(frozen=True)
class Failure:
    """How a call should fail: an API error (status, description) or a network error."""

    status: int
    description: str
    retry_after: int | None = None
    network: bool = False


NOT_MODIFIED = Failure(
    400,
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message",
)
EDIT_NOT_FOUND = Failure(400, "Bad Request: message to edit not found")
QUERY_TOO_OLD = Failure(
    400,
    "Bad Request: query is too old and response timeout expired or query ID is invalid",
)
FORBIDDEN = Failure(403, "Forbidden: bot was blocked by the user")
NETWORK = Failure(0, "connection reset by peer", network=True)


def too_many(retry_after: int = 1) -> Failure:
    return Failure(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded."""

    filename: str
    content: bytes
    mimetype: str


@dataclass
class Call:
    """One Bot API call as the bot made it, and how it went."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    result: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> int | None:
        chat_id = self.params.get("chat_id")
        return int(chat_id) if chat_id is not None else None

    @property
    def message_id(self) -> int | None:
        """The message sent (from the result) or edited (from the parameters)."""
        if "message_id" in self.params:
            return int(self.params["message_id"])
        if isinstance(self.result, dict):
            return self.result.get("message_id")
        return None

    @property
    def text(self) -> str:
        return str(self.params.get("text", self.params.get("caption", "")))

    @property
    def keyboard(self) -> list[list[tuple[str, str | None]]]:
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        return [[(b["text"], b.get("callback_data")) for b in row] for row in rows]

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        return [button for row in self.keyboard for button in row]

    def __repr__(self) -> str:  # short, for assertion messages
        text = self.text if len(self.text) < 80 else self.text[:77] + "..."
        status = "" if self.ok else f" FAILED {self.error!r}"
        mid = f" #{self.message_id}" if self.message_id else ""
        return f"<{self.method}{mid} {text!r}{status}>"


class RecordingRequest(BaseRequest):
    """PTB request object that records calls and plays Telegram (see the module docstring)."""

    def __init__(self, bot_user: dict[str, Any] | None = None) -> None:
        self.bot_user = dict(bot_user or BOT_USER)
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, Any]] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._next_message_id: dict[int, int] = defaultdict(lambda: 100)
        self._file_seq = 0
        self._updates: deque[dict[str, Any]] = deque()
        self._update_event = asyncio.Event()
        #: file id -> the content users sent (getFile and downloads serve it)
        self.files: dict[str, bytes] = {}
        #: chat id -> user ids Telegram reports as members (getChatMember); others have "left".
        self.members: dict[int, set[int]] = defaultdict(set)

    # -- BaseRequest ---------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file download (File.download_*), not an API method
            self.calls.append(Call("downloadFile", {"url": url}, {}))
            return 200, self.files[url.rsplit("/", 1)[-1]]
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        files = {}
        if request_data is not None and request_data.contains_files:
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                files[name] = Upload(filename or name, data, mimetype)
        for key in ("reply_markup", "commands", "scope", "allowed_updates"):
            if isinstance(params.get(key), str):  # sent as JSON strings with files
                params[key] = json.loads(params[key])
        call = Call(api_method, params, files)
        self.calls.append(call)
        failures = self._failures.get(api_method)
        if failures:
            failure = failures.popleft()
            call.error = failure.description
            if failure.network:
                raise OSError(failure.description)
            return failure.status, self._error_body(failure)
        try:
            handler = getattr(self, f"_api_{api_method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params, files)
        except ApiError as exc:
            call.error = exc.description
            return exc.status, self._error_body(
                Failure(exc.status, exc.description, exc.retry_after)
            )
        call.result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @staticmethod
    def _error_body(failure: Failure) -> bytes:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": failure.status,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            body["parameters"] = {"retry_after": failure.retry_after}
        return json.dumps(body).encode()

    # -- test controls -------------------------------------------------------------------
    def fail(self, method: str, failure: Failure, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail with `failure`."""
        self._failures[method].extend([failure] * times)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue a raw update for getUpdates (polling)."""
        self._updates.append(update)
        self._update_event.set()

    def mark(self) -> int:
        """A position in the call log, for `since(mark)`."""
        return len(self.calls)

    def since(self, mark: int, *, include_meta: bool = False) -> list[Call]:
        """Calls made after `mark` (reads such as getMe left out unless `include_meta`)."""
        calls = self.calls[mark:]
        if include_meta:
            return calls
        return [c for c in calls if c.method not in META_METHODS]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A bot message as the user sees it now (after edits)."""
        return self.messages[(chat_id, message_id)]

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    # -- Bot API methods -----------------------------------------------------------------
    async def _api_getFile(self, params: dict, files: dict) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    async def _api_getMe(self, params: dict, files: dict) -> Any:
        return self.bot_user

    async def _api_getChatMember(self, params: dict, files: dict) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = "member" if user_id in self.members[chat_id] else "left"
        return {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "M"}}

    async def _api_getChat(self, params: dict, files: dict) -> Any:
        chat_id = int(params["chat_id"])
        kind = "supergroup" if chat_id < 0 else "private"
        return {
            "id": chat_id,
            "type": kind,
            "title": "G",
            "accent_color_id": 0,
            "max_reaction_count": 11,
        }

    async def _api_setMyCommands(self, params: dict, files: dict) -> Any:
        commands = params.get("commands") or []
        if not commands or any(
            not re.fullmatch(r"[a-z0-9_]{1,32}", c["command"])
            or not 1 <= len(c["description"]) <= 256
            for c in commands
        ):
            raise bad("BOT_COMMAND_INVALID")
        self.commands = commands
        return True

    async def _api_deleteWebhook(self, params: dict, files: dict) -> Any:
        self.webhook = {}
        return True

    async def _api_setWebhook(self, params: dict, files: dict) -> Any:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("secret token contains unallowed characters")
        self.webhook = dict(params)
        return True

    async def _api_getUpdates(self, params: dict, files: dict) -> Any:
        offset = int(params.get("offset") or 0)
        while self._updates and self._updates[0].get("update_id", 0) < offset:
            self._updates.popleft()
        if not self._updates:
            self._update_event.clear()
            timeout = min(float(params.get("timeout") or 0), 0.2)
            try:
                await asyncio.wait_for(self._update_event.wait(), timeout)
            except TimeoutError:
                return []
        return [u for u in self._updates if u.get("update_id", 0) >= offset]

    async def _api_answerCallbackQuery(self, params: dict, files: dict) -> Any:
        if not params.get("callback_query_id"):
            raise bad("QUERY_ID_INVALID")
        if len(params.get("text") or "") > ANSWER_TEXT_LIMIT:
            raise bad("MESSAGE_TOO_LONG")
        return True

    async def _api_sendMessage(self, params: dict, files: dict) -> Any:
        chat_id = self._chat_id(params)
        text = self._text(params, "text", TEXT_LIMIT, "message text")
        message = self._new_message(chat_id, params, text=text)
        message["_source"] = (params.get("text"), params.get("parse_mode"))
        return self._public(message)

    async def _api_editMessageText(self, params: dict, files: dict) -> Any:
        if params.get("inline_message_id"):
            return True
        chat_id = self._chat_id(params)
        key = (chat_id, int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None:
            raise bad("message to edit not found")
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        text = self._text(params, "text", TEXT_LIMIT, "message text")
        self._check_markup(params)
        source = (params.get("text"), params.get("parse_mode"))
        markup = params.get("reply_markup")
        if message["_source"] == source and message.get("reply_markup") == markup:
            raise ApiError(NOT_MODIFIED.status, NOT_MODIFIED.description)
        message.update(text=text, _source=source, edit_date=int(time.time()))
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return self._public(message)

    async def _api_sendDocument(self, params: dict, files: dict) -> Any:
        upload = self._upload(params, files, "document")
        self._file_seq += 1
        document = {
            "file_id": f"doc{self._file_seq}",
            "file_unique_id": f"udoc{self._file_seq}",
            "file_name": upload.filename,
            "mime_type": upload.mimetype,
            "file_size": len(upload.content),
        }
        return self._public(self._media_message(params, document=document))

    async def _api_sendPhoto(self, params: dict, files: dict) -> Any:
        upload = self._upload(params, files, "photo")
        self._file_seq += 1
        photo = [
            {
                "file_id": f"photo{self._file_seq}",
                "file_unique_id": f"uphoto{self._file_seq}",
                "width": 800,
                "height": 800,
                "file_size": len(upload.content),
            }
        ]
        return self._public(self._media_message(params, photo=photo))

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _chat_id(params: dict) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        try:
            return int(chat_id)
        except (TypeError, ValueError) as exc:
            raise bad("chat not found") from exc

    @staticmethod
    def _text(params: dict, name: str, limit: int, what: str) -> str:
        source = params.get(name)
        if source is None or source == "":
            raise bad(f"{what} is empty")
        source = str(source)
        text = parse_html(source) if str(params.get("parse_mode", "")).lower() == "html" else source
        if not text.strip():
            raise bad(f"{what} is empty")
        if len(text.encode("utf-16-le")) // 2 > limit:  # Telegram counts UTF-16 code units
            raise bad(f"{what.split()[0]} is too long")
        return text

    @staticmethod
    def _check_markup(params: dict) -> None:
        markup = params.get("reply_markup")
        if markup is None:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise bad("BUTTON_DATA_INVALID")
                if data is None and not button.get("url"):
                    raise bad("BUTTON_TYPE_INVALID")

    def _upload(self, params: dict, files: dict, name: str) -> Upload:
        self._chat_id(params)
        if name not in files:
            raise bad(f"there is no {name} in the request")
        if params.get("caption"):
            self._text(params, "caption", CAPTION_LIMIT, "message caption")
        return files[name]

    def _new_message(self, chat_id: int, params: dict, **content: Any) -> dict[str, Any]:
        self._check_markup(params)
        self._next_message_id[chat_id] += 1
        message_id = self._next_message_id[chat_id]
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            **content,
        }
        if params.get("reply_markup") is not None:
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message_id)] = message
        return message

    def _media_message(self, params: dict, **media: Any) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        content = dict(media)
        if params.get("caption"):
            content["caption"] = str(params["caption"])
        message = self._new_message(chat_id, params, **content)
        message["_source"] = None
        return message

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if not k.startswith("_")}


def strip_html(text: str) -> str:
    """Plain text of an HTML-mode text (for readable assertions)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def methods(calls: list[Call]) -> list[str]:
    """The Bot API methods of `calls`, in order."""
    return [c.method for c in calls]
