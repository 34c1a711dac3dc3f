"""The context every handler gets, typed: the runtime and the services it holds (see PTB's
`contexttypesbot.py` example). `bot_data` stays a dict, filled once at start-up."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    ExtBot,
    JobQueue,
)

from bot.conversations import Conversations
from bot.runtime import Runtime
from bot.telegram.notices import NoticeThrottle


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """A handler's context with typed access to what start-up put in `bot_data`."""

    @property
    def runtime(self) -> Runtime:
        return cast(Runtime, self.bot_data["runtime"])

    @property
    def conversations(self) -> Conversations:
        """The orchestrator (its own key, so a test can stand in for it)."""
        return cast(Conversations, self.bot_data["conversations"])

    @property
    def notices(self) -> NoticeThrottle:
        """How often a chat is told things on a tapped button."""
        return cast(NoticeThrottle, self.bot_data.setdefault("notices", NoticeThrottle()))


CONTEXT_TYPES = ContextTypes(context=BotContext)

_Data = dict[Any, Any]
#: The job queue PTB makes by default (the reminders job reads `bot_data` only).
_Jobs = JobQueue[CallbackContext[ExtBot[None], _Data, _Data, _Data]]
BotApplication = Application[ExtBot[Any], BotContext, _Data, _Data, _Data, _Jobs]
"""The application `build_application` makes (with or without a rate limiter)."""
BotApplicationBuilder = ApplicationBuilder[ExtBot[Any], BotContext, _Data, _Data, _Data, _Jobs]
