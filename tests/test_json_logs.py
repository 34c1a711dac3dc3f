"""LOG_FORMAT=json: one JSON object per line, ids hashed, the token never shown."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.observability import about_update, configure_json_logging
from tests.telegram.updates import TOKEN


@pytest.fixture
def json_logging() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_json_logging("INFO", TOKEN, stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def test_lines_are_json_with_the_update_and_user_hashed_and_no_token(json_logging):
    log = logging.getLogger("bot.test")
    with about_update(987654321, 1001):
        log.warning("Telegram said no for %s", f"https://api.telegram.org/bot{TOKEN}/sendMessage")
        try:
            raise RuntimeError(f"InvalidToken: the token {TOKEN} was rejected")
        except RuntimeError:
            log.exception("the bot stopped")
    log.info("between updates")

    err = json_logging.getvalue()
    lines = [json.loads(line) for line in err.splitlines()]
    assert [line["message"].split(" for ")[0] for line in lines] == [
        "Telegram said no",
        "the bot stopped",
        "between updates",
    ]
    first, second, third = lines
    assert first["level"] == "WARNING" and first["logger"] == "bot.test"
    assert first["update"] == second["update"] and first["user"] == second["user"]
    assert len(first["update"]) == 12 and first["update"] != first["user"]
    assert third["update"] is None and third["user"] is None
    assert "RuntimeError" in second["exc_info"]
    assert TOKEN not in err and "<token>" in first["message"] and "<token>" in second["exc_info"]
    assert "987654321" not in err and "1001" not in err
