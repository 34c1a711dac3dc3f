"""The bot as Telegram-layer tests drive it: the real Application over a fake Bot API."""

from __future__ import annotations

import pytest

from bot.telegram.app import build_application
from tests.telegram.recording import RecordingRequest
from tests.telegram.updates import TgUser, bot_settings, started


@pytest.fixture
def rec() -> RecordingRequest:
    """The fake Bot API; a module may override it with a subclass."""
    return RecordingRequest()


@pytest.fixture
def rate_limited() -> bool:
    """Whether the app sends through PTB's AIORateLimiter; modules override it with False
    where Telegram's pacing (20 messages a minute per group) would only slow the tests."""
    return True


@pytest.fixture
async def app(sqlite_url, rec, rate_limited):
    """The bot on a fresh SQLite file, started, talking to `rec`."""
    application = build_application(
        bot_settings(sqlite_url), request=rec, rate_limited=rate_limited
    )
    async with started(application) as app:
        yield app


@pytest.fixture
def alice(app, rec) -> TgUser:
    return TgUser(app, rec, user_id=1001, first_name="Alice")
