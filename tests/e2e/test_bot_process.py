"""The real `careerbot run` process against the Bot API emulator, used as a person would.

A user goes from /start through onboarding and the self-assessment to the plan by pressing
buttons. Half-way through the bot is killed with SIGKILL, the next button is pressed while it
is down, and a new process picks the tap up: no rating is lost or recorded twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.botprocess import LEVEL_OF, STEP_TIMEOUT, button_data
from tests.e2e.emulator import (
    ChatMessage,
    UserClient,
)

pytestmark = pytest.mark.e2e

ANSWERS = [
    "Administrative",
    "Strategic",
    "Not yet",
    "Managerial",
    "Skip",
    "Strategic",
    "Administrative",
    "Not yet",
    "Managerial",
]
KILL_AFTER = 4  # answers given before SIGKILL; the fifth is pressed while the bot is down
PRESSED: list[str] = []  # callback query ids, in order


def tap(
    user: UserClient,
    message_id: int,
    label: str,
    shows: str | Callable[[ChatMessage], Any],
    *,
    wait: bool = True,
) -> ChatMessage | None:
    """Press `label` on bot message `message_id`; wait until that message `shows` something."""
    before = user.bot_message(message_id)
    PRESSED.append(user.press(button_data(before, label), message_id))
    if not wait:
        return None
    return wait_shows(user, message_id, shows, before)


def wait_shows(
    user: UserClient,
    message_id: int,
    shows: str | Callable[[ChatMessage], Any],
    before: ChatMessage | None = None,
) -> ChatMessage:
    def ready() -> ChatMessage | None:
        now = user.bot_message(message_id)
        if before is not None and (now.text, now.keyboard) == (before.text, before.keyboard):
            return None
        ok = shows(now) if callable(shows) else shows in (now.text or "")
        return now if ok else None

    return user.wait_for(ready, timeout=STEP_TIMEOUT)


def domain_ratings(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        assessments = conn.execute("select id, completed_at from assessments").fetchall()
        assert len(assessments) == 1 and assessments[0][1] is not None, assessments
        return conn.execute(
            "select domain_id, level from ratings where assessment_id = ? and range_id = '' "
            "order by domain_id",
            (assessments[0][0],),
        ).fetchall()
    finally:
        conn.close()


def test_start_to_plan_with_a_sigkill_between_two_taps(emulator, bot, tmp_path):
    timings: dict[str, float] = {}
    PRESSED.clear()
    t0 = time.monotonic()
    timings["first start"] = bot.start()
    alice = emulator.private_chat(user_id=1001, first_name="Alice")

    step = time.monotonic()
    alice.send_command("/start")
    welcome = alice.wait_for_bot_message(lambda m: m.keyboard, timeout=STEP_TIMEOUT)
    assert welcome.text.startswith("Welcome to careerbot")
    m = welcome.message_id
    tap(alice, m, "OK, let's start", "What is your role today?")
    tap(alice, m, "Practice manager", "Which career stage are you at?")
    tap(alice, m, "Early", "Which career directions fit you now?")
    tap(alice, m, "Moving up", lambda msg: "✅ Moving up" in [b for b, _ in msg.buttons])
    tap(alice, m, "Done", "Your profile is saved")
    tap(alice, m, "Start self-assessment", "Self-assessment · 1/9")
    timings["onboarding (6 taps)"] = time.monotonic() - step

    step = time.monotonic()
    for n, label in enumerate(ANSWERS[:KILL_AFTER], start=2):
        tap(alice, m, label, f"Self-assessment · {n}/9")
    timings[f"{KILL_AFTER} ratings"] = time.monotonic() - step

    bot.kill()
    label = ANSWERS[KILL_AFTER]
    tap(alice, m, label, "", wait=False)  # pressed while no bot is running
    timings["restart"] = bot.start()
    step = time.monotonic()
    wait_shows(alice, m, f"Self-assessment · {KILL_AFTER + 2}/9")
    timings["queued tap answered after restart"] = time.monotonic() - step

    step = time.monotonic()
    for n, label in enumerate(ANSWERS[KILL_AFTER + 1 :], start=KILL_AFTER + 3):
        shows = f"Self-assessment · {n}/9" if n <= 9 else "Want to go deeper?"
        tap(alice, m, label, shows)
    tap(alice, m, "No thanks", "Your targets for the next 1-2 years")
    tap(alice, m, "Accept these targets", "Assessment saved: 8 of 9 domains rated")
    done = alice.bot_message(m)
    PRESSED.append(alice.press(button_data(done, "See my plan"), m))
    plan = alice.wait_for_bot_message(
        lambda msg: (msg.text or "").startswith("Your development plan"),
        after=m,
        timeout=STEP_TIMEOUT,
    )
    timings["rest of the assessment and the plan"] = time.monotonic() - step
    timings["total"] = time.monotonic() - t0

    # Every tap was answered; everything up to the plan happened in the one message.
    assert len(PRESSED) == 6 + len(ANSWERS) + 3
    answered = [a["callback_query_id"] for a in alice.bot_actions("answerCallbackQuery")]
    assert set(answered) == set(PRESSED), (PRESSED, answered)
    assert [msg.message_id for msg in alice.bot_messages() if msg.message_id <= m] == [m]
    assert plan.message_id > m
    assert bot.stop() == 0

    expected = _expected_ratings()
    assert domain_ratings(tmp_path / "careerbot.sqlite3") == expected
    assert len(expected) == 8

    output = bot.output()
    assert emulator.token not in output, "the bot token was logged"
    assert "error while handling" not in output, output
    print("\ne2e timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))


def _expected_ratings() -> list[tuple[str, str]]:
    from bot.knowledge import load_knowledge
    from bot.settings import Settings

    domains = load_knowledge(Settings(_env_file=None).knowledge_dir).competency.domains
    rated = [
        (domain.id, LEVEL_OF[label])
        for domain, label in zip(domains, ANSWERS, strict=True)
        if label != "Skip"
    ]
    return sorted(rated)
