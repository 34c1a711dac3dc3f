"""An update the bot fetched and then died on is handled by the next process, once.

The real `careerbot run` process against the Bot API emulator. The emulator holds one Bot API
method (its calls hang): the bot fetches the user's update, stores its step, and gets stuck
answering. Then it is killed with SIGKILL, as a crash or an OOM kill would. Telegram (here the
emulator) still has the update, because the bot confirms an update only once it has handled
it, so the next process gets it again: it answers a tap (on its button: its step was taken)
and stores nothing twice; /start then says where the user is.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.telegram.handlers import FAILED
from tests.e2e.botprocess import STEP_TIMEOUT, button_data
from tests.e2e.emulator import ChatMessage, Emulator, UserClient

pytestmark = pytest.mark.e2e


def press(user: UserClient, message_id: int, label: str) -> str:
    return user.press(button_data(user.bot_message(message_id), label), message_id)


def shown(user: UserClient, predicate: Callable[[ChatMessage], Any]) -> ChatMessage:
    """The latest bot message, once it satisfies `predicate`."""

    def ready() -> ChatMessage | None:
        latest = user.latest_bot_message()
        return latest if latest is not None and predicate(latest) else None

    return user.wait_for(ready, timeout=STEP_TIMEOUT)


def titled(title: str) -> Callable[[ChatMessage], bool]:
    return lambda message: (message.text or "").startswith(title)


def onboard(user: UserClient) -> int:
    """/start to "All set"; returns the id of the message it all happened in."""
    user.send_command("/start")
    m = shown(user, titled("Welcome to careerbot")).message_id
    for label, title in (
        ("OK, let's start", "Your role"),
        ("Practice manager", "Career stage"),
        ("Early", "Career directions"),
        ("Done", "All set"),
    ):
        press(user, m, label)
        shown(user, titled(title))
    return m


def kill_while_stuck_in(
    emulator: Emulator, bot: Any, method: str, act: Callable[[], Any]
) -> Callable[[], bool]:
    """Hold `method`, `act`, wait until the bot is stuck calling it, kill it, start another.
    Returns whether the update the dead bot had fetched has been handed out again since."""
    emulator.hold(method)
    act()
    _wait(lambda: emulator.held(method) >= 1)
    fetched = max(int(update_id) for update_id in emulator.stats()["deliveries"])
    bot.kill()
    before = emulator.deliveries(fetched)
    emulator.release()
    bot.start()
    return lambda: emulator.deliveries(fetched) > before


def _wait(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot never got there")
        time.sleep(0.05)


def test_a_tap_fetched_by_a_killed_bot_is_answered_by_the_next(emulator, bot, tmp_path):
    bot.start()
    alice = emulator.private_chat(user_id=1001, first_name="Alice")
    m = onboard(alice)
    press(alice, m, "Start self-assessment")
    shown(alice, titled("Self-assessment · 1/9"))
    taps: list[str] = []

    delivered_again = kill_while_stuck_in(
        emulator, bot, "answerCallbackQuery", lambda: taps.append(press(alice, m, "Strategic"))
    )

    _wait(lambda: any(a.get("callback_query_id") == taps[0] for a in alice.bot_actions()))
    answered = {a["callback_query_id"]: a for a in alice.bot_actions("answerCallbackQuery")}
    assert answered[taps[0]]["text"]  # a short notice on the button: its step was taken
    assert delivered_again()
    alice.send_command("/start")
    back = shown(alice, titled("Welcome back"))
    press(alice, back.message_id, "Continue")
    shown(alice, titled("Self-assessment · 2/9"))  # the rating was kept, not asked again
    assert _ratings(tmp_path / "careerbot.sqlite3") == [("strategic",)]
    assert "error while handling" not in bot.output()


def test_a_telegram_call_that_hangs_ends_and_the_same_process_carries_on(emulator, bot, tmp_path):
    """Telegram stops answering one kind of call (the edit of the tapped message): the call
    gives up within PTB's time limits, the user is told their answers are saved, and once
    Telegram answers again the same process carries on, the rating stored once."""
    bot.start()
    alice = emulator.private_chat(user_id=1003, first_name="Alice")
    m = onboard(alice)
    press(alice, m, "Start self-assessment")
    shown(alice, titled("Self-assessment · 1/9"))
    pid = bot.process.pid

    emulator.hold("editMessageText")
    press(alice, m, "Managerial")
    told = alice.wait_for_bot_message(after=m, timeout=STEP_TIMEOUT)
    assert told.text == FAILED  # "... Your answers so far are saved; please try again."
    assert emulator.release() == 1

    alice.send_command("/start")
    back = shown(alice, titled("Welcome back"))
    press(alice, back.message_id, "Continue")
    shown(alice, titled("Self-assessment · 2/9"))
    assert bot.process.pid == pid and bot.process.poll() is None  # no restart
    assert _ratings(tmp_path / "careerbot.sqlite3") == [("managerial",)]


def test_a_typed_answer_delivered_again_is_stored_once(emulator, bot, tmp_path):
    bot.start()
    alice = emulator.private_chat(user_id=1002, first_name="Alice")
    onboard(alice)
    alice.send_command("/log Ran the flu clinic rota for the winter")
    logged = shown(alice, lambda msg: "No domain" in str(msg.buttons))
    press(alice, logged.message_id, "No domain")
    more = shown(alice, lambda msg: "Reflect (3 questions)" in str(msg.buttons))
    press(alice, more.message_id, "Reflect (3 questions)")
    shown(alice, lambda msg: "1/3 What happened?" in (msg.text or ""))

    what = "We moved the clinic to Saturdays."
    delivered_again = kill_while_stuck_in(
        emulator, bot, "sendMessage", lambda: alice.send_text(what)
    )

    _wait(lambda: delivered_again() and emulator.pending_updates() == 0)
    alice.send_command("/start")
    back = shown(alice, titled("Welcome back"))
    press(alice, back.message_id, "Continue")
    shown(alice, lambda msg: "2/3 So what?" in (msg.text or ""))  # the answer was kept
    alice.send_text("Fewer missed appointments.")
    shown(alice, lambda msg: "3/3 Now what?" in (msg.text or ""))
    alice.send_text("Do the same for the spring boosters.")
    shown(alice, lambda msg: "Reflection saved" in (msg.text or ""))

    assert _reflections(tmp_path / "careerbot.sqlite3") == [
        (what, "Fewer missed appointments.", "Do the same for the spring boosters.")
    ]


def _ratings(db: Path) -> list[tuple[str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select level from ratings where range_id = ''").fetchall()


def _reflections(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select reflect_what, reflect_so_what, reflect_now_what from cpd_entries"
        ).fetchall()
