"""Building and running the python-telegram-bot Application (polling or webhook)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from contextlib import AsyncExitStack
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.runtime import open_runtime
from bot.settings import Settings
from bot.telegram import groups, handlers, uploads
from bot.telegram.inline import on_inline_query
from bot.telegram.ordering import PerUserOrder
from bot.telegram.polling import run_polling
from bot.telegram.reminders import schedule_reminders

PRIVATE_COMMANDS = [
    BotCommand("start", "Set up your profile or carry on"),
    BotCommand("assess", "Quick self-assessment, one tap per domain"),
    BotCommand("plan", "Your development plan"),
    BotCommand("objective", "Set a SMART objective from a gap of your plan"),
    BotCommand("objectives", "Mark your objectives done or dropped"),
    BotCommand("share", "Share your plan with your appraiser, for comments and sign-off"),
    BotCommand("progress", "How your ratings changed"),
    BotCommand("ask", "Look something up in the frameworks"),
    BotCommand("settings", "Change role, stage, directions, targets"),
    BotCommand("remind", "A reminder to re-assess"),
    BotCommand("log", "Log CPD or evidence; alone: recent entries"),
    BotCommand("help", "What I can do"),
    BotCommand("privacy", "What I store about you"),
    BotCommand("export", "Get a copy of everything I store"),
    BotCommand("forget", "Delete everything I store about you"),
    BotCommand("cancel", "Stop what you are doing"),
]


def build_application(
    settings: Settings, request: BaseRequest | None = None, rate_limited: bool = True
) -> Application:
    """The bot, wired to the flows; `request` replaces the HTTP layer (tests, benchmarks).

    `rate_limited=False` drops the rate limiter, for benchmarks that measure our own cost.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .concurrent_updates(PerUserOrder())
        .post_init(_start_runtime(settings))
        .post_shutdown(_stop_runtime)
    )
    if rate_limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
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
PRIVATE_ONLY_COMMANDS = [
    "start",
    "assess",
    "plan",
    "progress",
    "settings",
    "export",
    "forget",
    "privacy",
    "log",
    "remind",
]


def add_handlers(application: Application) -> None:
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


def add_group_handlers(application: Application) -> None:
    """In groups the bot answers its commands and replies to itself, and stays quiet otherwise.

    CommandHandler ignores commands addressed to another bot (`/ask@otherbot`).
    """
    in_group = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & groups.FROM_PEOPLE
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


def add_private_handlers(application: Application) -> None:
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


def _start_runtime(settings: Settings):  # noqa: ANN202 - PTB's post_init callback type
    async def post_init(application: Application) -> None:
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


async def _stop_runtime(application: Application) -> None:
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


def run(settings: Settings) -> None:
    """Run until stopped: webhook mode when WEBHOOK_URL is set, otherwise long polling that
    confirms an update to Telegram only once it has been handled (`polling`)."""
    application = build_application(settings)
    if settings.webhook_url:
        secret = (
            settings.webhook_secret.get_secret_value()
            if settings.webhook_secret
            else secrets.token_urlsafe(32)
        )
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        run_polling(application)  # updates confirmed to Telegram once handled
