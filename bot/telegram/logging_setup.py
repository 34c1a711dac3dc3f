"""Logging that never shows the bot token (HTTP libraries log request URLs, token included)."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactToken(logging.Filter):
    """Replaces the token wherever it appears in a log record's message."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token and self._token in record.getMessage():
            record.msg = record.getMessage().replace(self._token, "<token>")
            record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Replaces the token in the whole formatted record, tracebacks included.

    PTB puts the token into exception messages (`InvalidToken: The token ... was rejected`),
    which a filter on the message alone does not reach.
    """

    def __init__(self, token: str, fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        self._token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self._token, "<token>") if self._token else text


def configure_logging(level: str, token: str) -> None:
    logging.basicConfig(format=LOG_FORMAT, level=level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
        handler.setFormatter(RedactingFormatter(token))
