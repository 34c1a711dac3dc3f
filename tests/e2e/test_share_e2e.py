"""The real `careerbot run` process on the Bot API emulator, two people in their own chats:
Ana sets an objective and shares her plan; Bob opens the link, comments and signs it off; Ana
sees his comment and the sign-off.

What the emulator cannot show: a t.me link being followed (Bob sends its /start payload, as
Telegram does when he opens it).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.botprocess import STEP_TIMEOUT, button_data
from tests.e2e.emulator import BOT_USERNAME, ChatMessage, UserClient

pytestmark = pytest.mark.e2e


def shown(user: UserClient, text: str) -> ChatMessage:
    """Wait until a bot message in the chat shows `text`, in its text or on a button (sent or
    edited); return it."""

    def found() -> ChatMessage | None:
        return next(
            (
                m
                for m in reversed(user.bot_messages())
                if text in m.content or any(text in t for t, _ in m.buttons)
            ),
            None,
        )

    return user.wait_for(found, timeout=STEP_TIMEOUT)


def press(user: UserClient, label: str, then: str) -> ChatMessage:
    """Press `label` on the newest bot message offering it; wait until `then` is shown."""
    for message in reversed(user.bot_messages()):
        if any(
            t == label or t.startswith(label) or t.endswith(f" {label}") for t, _ in message.buttons
        ):
            user.press(button_data(message, label), message.message_id)
            return shown(user, then)
    raise AssertionError(f"no bot message offers {label!r}")


def test_a_plan_shared_commented_on_and_signed_off(emulator, bot):
    bot.start()
    ana = emulator.private_chat(user_id=1001, first_name="Ana")
    bob = emulator.private_chat(user_id=1002, first_name="Bob")

    ana.send_command("/start")
    shown(ana, "Welcome to careerbot")
    press(ana, "OK, let's start", "What is your role today?")
    press(ana, "Practice manager", "Which career stage")
    press(ana, "Early", "Career directions")
    press(ana, "Moving up", "✅ Moving up")
    press(ana, "Done", "All set")
    press(ana, "Start self-assessment", "1/9")
    for n in range(2, 10):
        press(ana, "Managerial", f"{n}/9")
    press(ana, "Managerial", "Want to go deeper?")
    press(ana, "No thanks", "Your targets for the next 1-2 years")
    press(ana, "Accept these targets", "Assessment saved")

    ana.send_command("/objective")
    press(shown(ana, "Which gap") and ana, "1.", "What will you do?")
    ana.send_text("Write the practice development plan")
    shown(ana, "How will you show it?")
    ana.send_text("the plan, agreed with the partners")
    shown(ana, "By when?")
    press(ana, "3 months", "Objective set")

    ana.send_command("/share")
    created = press(shown(ana, "Share a read-only view") and ana, "Create a link", "t.me/")
    link = re.search(rf"https://t\.me/{BOT_USERNAME}\?start=(p[\w-]+)", created.content)
    assert link is not None, created.content

    bob.send_command(f"/start {link.group(1)}")
    shown(bob, "Ana's development plan (read only)")
    assert "Write the practice development plan" in bob.latest_bot_message().content
    press(bob, "Comment on 1", "Your comment on")
    bob.send_text("Clear and measurable: agree the date with the partners.")
    shown(bob, "Comment: Clear and measurable")
    press(bob, "Sign off the plan", "Sign off Ana's plan?")
    press(bob, "Yes, sign it off", "Signed off on")

    ana.send_command("/share")
    status = shown(ana, "opened by Bob")
    assert "signed off" in status.content
    assert "Clear and measurable: agree the date with the partners." in status.content
    other = emulator.private_chat(user_id=1003, first_name="Cy")
    other.send_command(f"/start {link.group(1)}")  # the link worked once
    assert "used already" in shown(other, "used already").content
