"""Metrics (prometheus-client) and structured JSON logs for the workers.

Log lines carry the update being handled and its user as keyed hashes (HMAC of the id with the
bot token as key): lines about one update or one person can be followed, but no id can be read
back from them, and the token itself never appears (it is redacted from every line).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter

UPDATES_HANDLED = Counter("careerbot_updates_handled", "Updates handled, by kind", ["kind"])
UPDATE_SECONDS = Histogram(
    "careerbot_update_seconds",
    "Time from receiving an update to having answered it",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPDATE_ERRORS = Counter("careerbot_update_errors", "Updates whose handling raised an error")
SENDS_THROTTLED = Counter(
    "careerbot_sends_throttled", "Requests to Telegram that waited for the shared rate limit"
)

_update: ContextVar[str | None] = ContextVar("careerbot_update", default=None)
_user: ContextVar[str | None] = ContextVar("careerbot_user", default=None)
_HASH_KEY: list[bytes] = [b""]


def hashed(value: int) -> str:
    """A short keyed hash of an id: stable within one bot, not reversible without the token."""
    return hmac.new(_HASH_KEY[0], str(value).encode(), hashlib.sha256).hexdigest()[:12]


@contextmanager
def about_update(update_id: int | None, user_id: int | None) -> Iterator[None]:
    """Log lines written inside carry the update's and the user's hashed ids."""
    update_token = _update.set(None if update_id is None else hashed(update_id))
    user_token = _user.set(None if user_id is None else hashed(user_id))
    try:
        yield
    finally:
        _update.reset(update_token)
        _user.reset(user_token)


class UpdateFields(logging.Filter):
    """Adds `update` and `user` (hashed) to every record written while an update is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update = _update.get()
        record.user = _user.get()
        return True


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line, the token replaced wherever it appears (tracebacks too)."""

    def __init__(self, token: str) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}{update}{user}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
        )
        self._token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self._token, "<token>") if self._token else text


def configure_json_logging(level: str, token: str, stream: TextIO | None = None) -> None:
    """JSON lines on `stream` (stderr) for the whole process (uvicorn's and PTB's included)."""
    _HASH_KEY[0] = token.encode()
    handler = logging.StreamHandler(stream)
    handler.addFilter(UpdateFields())
    handler.setFormatter(RedactingJsonFormatter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
