"""Building and running the python-telegram-bot BotApplication (polling or webhook)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.error import NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.flows.account import listed
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.telegram import groups, handlers, polling, uploads
from bot.telegram.context import CONTEXT_TYPES, BotApplication, BotApplicationBuilder
from bot.telegram.inline import on_inline_query
from bot.telegram.ordering import PerUserOrder
from bot.telegram.reminders import schedule_reminders
from bot.telegram.workers import Workers, process_limiter

PRIVATE_COMMANDS = [BotCommand(c.name, c.menu) for c in listed() if c.menu]
"""The private chat's command menu, from the commands the flows register."""


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    rate_limited: bool = True,
    workers: Workers | None = None,
) -> BotApplication:
    """The bot, wired to the flows; `request` replaces the HTTP layer (tests, benchmarks).

    `rate_limited=False` drops the rate limiter, for benchmarks that measure our own cost.
    `workers` (webhook mode, bot/web) replaces the updater, the per-user order and the rate
    limiter with ones shared by every worker.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder: BotApplicationBuilder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(workers.update_processor if workers else PerUserOrder())
        .post_init(_start_runtime(settings))
        .post_shutdown(_stop_runtime)
    )
    if workers is not None:
        builder = builder.updater(None).rate_limiter(workers.rate_limiter)
    elif rate_limited:
        builder = builder.rate_limiter(process_limiter(settings))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    add_handlers(application)
    return application


GROUP_COMMANDS = [
    BotCommand("ask", "Look something up in the frameworks"),
    BotCommand("group", "The group's picture, from members who opted in"),
    BotCommand("mentors", "Members offering to mentor in a domain"),
    BotCommand("help", "What I can do here"),
]
GROUP_NAMES = {command.command for command in GROUP_COMMANDS}
#: Group commands that show someone is a member (the bot only sees commands in privacy mode).
MEMBER_COMMANDS = ["ask", "group", "mentors"]
MEMBERSHIP_GROUP = -1
#: Commands of the private chat that a group gets a pointer to the private chat for.
PRIVATE_ONLY_COMMANDS = [c.command for c in PRIVATE_COMMANDS if c.command not in GROUP_NAMES]


def add_handlers(application: BotApplication) -> None:
    """Handlers, most specific first: inline, membership, groups, then private chats."""
    application.add_handler(InlineQueryHandler(on_inline_query))
    application.add_handler(
        ChatMemberHandler(groups.on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        ChatMemberHandler(groups.on_member_change, ChatMemberHandler.CHAT_MEMBER)
    )
    add_group_handlers(application)
    add_private_handlers(application)
    application.add_error_handler(handlers.on_error)


def add_group_handlers(application: BotApplication) -> None:
    """In groups the bot answers its commands and replies to itself, and stays quiet otherwise.

    CommandHandler ignores commands addressed to another bot (`/ask@otherbot`).
    """
    in_group = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & groups.FROM_PEOPLE
    # Who uses the bot in a group is recorded first, in a handler group of its own.
    replies = in_group & filters.REPLY & filters.TEXT & ~filters.COMMAND & groups.REPLIES_TO_BOT
    for seen in (
        CommandHandler(MEMBER_COMMANDS, groups.on_member_seen, filters=in_group),
        MessageHandler(replies, groups.on_member_seen),
    ):
        application.add_handler(seen, group=MEMBERSHIP_GROUP)
    for name, callback in (
        ("ask", groups.on_ask),
        ("help", groups.on_help),
        ("group", groups.on_group),
        ("mentors", groups.on_mentors),
    ):
        application.add_handler(CommandHandler(name, callback, filters=in_group))
    application.add_handler(
        CommandHandler(PRIVATE_ONLY_COMMANDS, groups.on_private_only, filters=in_group)
    )
    application.add_handler(
        MessageHandler(
            in_group & filters.REPLY & filters.TEXT & ~filters.COMMAND, groups.on_reply_to_bot
        )
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, groups.on_left_message)
    )


def add_private_handlers(application: BotApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CallbackQueryHandler(handlers.on_tap))
    application.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, handlers.on_edited)
    )
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.COMMAND, handlers.on_command)
    )
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT, handlers.on_text)
    )
    files = filters.Document.ALL | filters.PHOTO
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & files, uploads.on_file)
    )
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.TEXT, handlers.on_non_text)
    )


def _start_runtime(settings: Settings) -> Callable[[BotApplication], Coroutine[Any, Any, None]]:
    async def post_init(application: BotApplication) -> None:
        stack = AsyncExitStack()
        runtime = await stack.enter_async_context(open_runtime(settings))
        application.bot_data["exit_stack"] = stack
        application.bot_data["conversations"] = runtime.conversations
        runtime.conversations.bot_username = application.bot.username
        application.bot_data["runtime"] = runtime
        await application.bot.set_my_commands(
            PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats()
        )
        await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
        schedule_reminders(application)

    return post_init


async def _stop_runtime(application: BotApplication) -> None:
    stack: AsyncExitStack | None = application.bot_data.pop("exit_stack", None)
    if stack is not None:
        await stack.aclose()


FIRST_RETRY_SECONDS = 2.0
MAX_RETRY_SECONDS = 60.0


def unreachable(settings: Settings, delay: float) -> str:
    """What to tell the person running the bot when Telegram does not answer."""
    host = urlparse(settings.telegram_base_url).netloc or settings.telegram_base_url
    return (
        f"Cannot reach Telegram at {host}: check this machine's internet connection "
        f"(or TELEGRAM_BASE_URL); trying again in {delay:g} s, Ctrl-C stops."
    )


async def wait_until_reachable(settings: Settings, say: Callable[[str], None]) -> None:
    """Ask Telegram who the bot is until it answers, waiting longer after each failure (the
    network may come back). A rejected token is no network problem: it is raised at once."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
    )
    delay = FIRST_RETRY_SECONDS
    try:
        while True:
            try:
                await bot.initialize()  # asks getMe
                return
            except NetworkError:
                say(unreachable(settings, delay))
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
    finally:
        await bot.shutdown()


def run_polling(settings: Settings) -> None:
    """Run with long polling until stopped, confirming an update to Telegram only once it has
    been handled (`polling`); a webhook worker is `bot.web.server.serve`."""
    polling.run_polling(build_application(settings))
