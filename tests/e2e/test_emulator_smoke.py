"""The Bot API emulator works with python-telegram-bot 22: a tiny PTB app runs against it."""

from __future__ import annotations

import asyncio
import io

import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
)

from tests.e2e.botprocess import require_emulator
from tests.e2e.emulator import (
    Emulator,
    EmulatorError,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emulator():
    require_emulator()
    with Emulator() as emu:
        yield emu


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = " ".join(context.args)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Begin", callback_data="begin")]],
    )
    await update.effective_message.reply_text(f"Welcome! payload={payload}", reply_markup=keyboard)


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Starting")
    edited = await query.edit_message_text(f"Started by {query.from_user.first_name}")
    # The emulator returns the edited Message (not True) for a chat message.
    assert edited.text == f"Started by {query.from_user.first_name}"
    context.bot_data["edited_message_id"] = edited.message_id


async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    ok = await query.answer(
        [
            InlineQueryResultArticle(
                id="1",
                title=f"Result for {query.query}",
                input_message_content=InputTextMessageContent(query.query),
            )
        ],
        cache_time=0,
    )
    context.bot_data["inline_answered"] = ok


async def test_ptb_app_against_emulator(emulator: Emulator) -> None:
    app = (
        Application.builder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(begin, pattern="^begin$"))
    app.add_handler(InlineQueryHandler(inline))

    async with app:
        assert app.bot.username == emulator.bot_username
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            alice = emulator.private_chat(user_id=1001, first_name="Alice")

            # /start with a deep-link payload -> a reply with an inline keyboard.
            alice.send_command("/start hello")
            welcome = await alice.wait_for_bot_message_async(lambda m: m.keyboard)
            assert welcome.text == "Welcome! payload=hello"
            assert welcome.keyboard == [[("Begin", "begin")]]

            # Pressing the button answers the query and edits the same message in place.
            alice.press("begin", welcome.message_id)
            now = await alice.wait_for_async(
                lambda: (m := alice.bot_message(welcome.message_id)).edited and m
            )
            assert now.text == "Started by Alice"
            assert now.keyboard == []  # editMessageText without reply_markup drops it
            assert app.bot_data["edited_message_id"] == welcome.message_id
            assert [m.message_id for m in alice.bot_messages()] == [welcome.message_id]
            answers = alice.bot_actions("answerCallbackQuery")
            assert [a["text"] for a in answers] == ["Starting"]

            # Methods beyond telegram-test-api's own: recorded for the user side.
            commands = [BotCommand("start", "Start over"), BotCommand("help", "How it works")]
            assert await app.bot.set_my_commands(commands) is True
            assert await app.bot.get_my_commands() == tuple(commands)
            document = await app.bot.send_document(
                alice.chat_id,
                io.BytesIO(b"hello world"),
                filename="plan.txt",
                caption="Your plan",
            )
            assert document.document.file_name == "plan.txt"
            set_commands = emulator.bot_actions(method="setMyCommands")
            assert [c["command"] for c in set_commands[-1]["commands"]] == ["start", "help"]
            (sent,) = alice.bot_actions("sendDocument")
            assert (sent["filename"], sent["size"]) == ("plan.txt", 11)
            assert sent["caption"] == "Your plan"
            assert alice.latest_bot_message().document["file_name"] == "plan.txt"

            # A raw update the emulator cannot simulate: an inline query.
            alice.inline_query("pm")
            await alice.wait_for_async(lambda: app.bot_data.get("inline_answered"))
            (answer,) = emulator.bot_actions(method="answerInlineQuery")
            assert answer["results"][0]["title"] == "Result for pm"

            # Idle: PTB's polling long-polls instead of spinning.
            before = emulator.get_updates_calls()
            await asyncio.sleep(2)
            idle_calls = emulator.get_updates_calls() - before
            assert idle_calls < 10, f"{idle_calls} getUpdates calls in 2 idle seconds"
        finally:
            await app.updater.stop()
            await app.stop()


def test_group_chat_and_refusals(emulator: Emulator) -> None:
    """Group chats take several users; malformed user-side requests are refused, not fatal."""
    group = emulator.group_chat(chat_id=-4242, title="Practice managers")
    bob = group.member(2002, "Bob")
    carol = group.member(2003, "Carol", username="carol")
    first = bob.send_text("hello all")
    second = carol.send_command("/help@TestNameBot")
    messages = group.messages()
    assert [m.message_id for m in messages] == [first, second]
    assert [m.raw["from"]["first_name"] for m in messages] == ["Bob", "Carol"]
    assert messages[1].raw["entities"] == [{"type": "bot_command", "offset": 0, "length": 17}]
    assert messages[0].raw["chat"]["type"] == "group"

    with pytest.raises(EmulatorError, match="no bot message"):
        bob.press("anything", message_id=first)
    with pytest.raises(EmulatorError, match="text is required"):
        emulator.request("/sendMessage", chat={"id": -4242}, **{"from": bob.user})
    assert emulator.get_updates_calls() >= 0  # the process survived
