"""SIGTERM during a burst: the real `careerbot run` process against the Bot API emulator.

Several users walk the self-assessment at once, as fast as the bot answers, with double taps
and questions typed in between. Mid-burst the bot gets SIGTERM (a deploy, `systemctl stop`):
it must exit cleanly, with the updates it had fetched finished and the rest left for Telegram
to deliver again. Right after it exits, every user's stored ratings must equal what their
stored conversation says (no rating without its step, no step without its rating). A new
process then drains what was left and every user finishes with exactly their nine ratings.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.botprocess import LEVEL_OF, LEVELS, button_data
from tests.e2e.emulator import ChatMessage, Emulator, UserClient

pytestmark = pytest.mark.e2e

USERS = 5
SIGTERM_AFTER = 12  # ratings shown across all users before the signal
WAIT = 60.0  # a user waits this long for an answer (the bot is down for a while)


def answers_for(n: int) -> list[str]:
    """User n's nine answers (each user a different pattern)."""
    return [LEVELS[(n + i) % len(LEVELS)] for i in range(9)]


class Walker:
    """One user pressing through the self-assessment from the emulator's side."""

    def __init__(self, user: UserClient, n: int, shown: list[int]) -> None:
        self.user, self.n = user, n
        self.answers = answers_for(n)
        self.pressed: list[str] = []  # callback query ids
        self.shown = shown  # a counter shared by all walkers: ratings the bot has shown
        self.lock = threading.Lock()

    def wait_for(self, message_id: int, title: str, before: ChatMessage | None = None):
        def ready() -> ChatMessage | None:
            now = self.user.bot_message(message_id)
            if before is not None and (now.text, now.keyboard) == (before.text, before.keyboard):
                return None
            return now if (now.text or "").startswith(title) else None

        return self.user.wait_for(ready, timeout=WAIT, interval=0.02)

    def press(self, message: ChatMessage, label: str, *, force: bool = False) -> None:
        data = button_data(message, label)
        self.pressed.append(self.user.press(data, message.message_id, force=force))

    def onboard(self) -> int:
        self.user.send_command("/start")
        welcome = self.user.wait_for_bot_message(lambda m: m.keyboard, timeout=WAIT)
        m = welcome.message_id
        steps = [
            ("OK, let's start", "Your role"),
            ("Practice manager", "Career stage"),
            ("Early", "Career directions"),
            ("Done", "All set"),
            ("Start self-assessment", "Self-assessment · 1/9"),
        ]
        for label, title in steps:
            before = self.user.bot_message(m)
            self.press(before, label)
            self.wait_for(m, title, before)
        return m

    def assess(self, m: int) -> None:
        for i, label in enumerate(self.answers):
            before = self.user.bot_message(m)
            self.press(before, label)
            if i % 3 == self.n % 3:  # a double tap: the same, now stale, button again
                self.press(before, label, force=True)
            if i == 4:
                self.user.send_text("what does strategic mean for complaints")
            title = f"Self-assessment · {i + 2}/9" if i < 8 else "Self-assessment · ranges"
            self.wait_for(m, title, before)
            with self.lock:
                self.shown[0] += 1
        for label, title in (("No thanks", "Targets"), ("Accept these targets", "Done")):
            before = self.user.bot_message(m)
            self.press(before, label)
            self.wait_for(m, title, before)


def answered_queries(emulator: Emulator) -> set[str]:
    return {a["callback_query_id"] for a in emulator.bot_actions(method="answerCallbackQuery")}


def consistent(db: Path, user_ids: list[int]) -> dict[int, tuple[str, dict]]:
    """For each user: the stored step and ratings, checked against each other."""
    conn = sqlite3.connect(db)
    try:
        out: dict[int, tuple[str, dict]] = {}
        for uid in user_ids:
            row = conn.execute(
                "select step, payload from conversations where user_id = ?", (uid,)
            ).fetchone()
            step, payload = (row[0], json.loads(row[1])) if row else (None, {})
            assessments = conn.execute(
                "select id, completed_at from assessments where user_id = ? order by id", (uid,)
            ).fetchall()
            assert len(assessments) <= 1, (uid, assessments)
            ratings = {}
            if assessments:
                ratings = dict(
                    conn.execute(
                        "select domain_id, level from ratings where assessment_id = ? "
                        "and range_id = ''",
                        (assessments[0][0],),
                    ).fetchall()
                )
            if step in ("rate", "deeper", "targets"):  # mid-assessment: the payload has them
                expected = {d: lv for d, lv in payload.get("ratings", {}).items() if lv}
                assert ratings == expected, (uid, step, ratings, expected)
                assert assessments and assessments[0][1] is None
            elif assessments and assessments[0][1] is not None:
                assert len(ratings) == 9, (uid, ratings)
            out[uid] = (step, ratings)
        orphans = conn.execute(
            "select count(*) from ratings where assessment_id not in (select id from assessments)"
        ).fetchone()
        assert orphans == (0,)
        return out
    finally:
        conn.close()


def test_sigterm_mid_burst_loses_nothing_and_half_applies_nothing(emulator, bot, tmp_path):
    db = tmp_path / "careerbot.sqlite3"
    bot.start()
    users = [emulator.private_chat(user_id=3001 + n, first_name=f"User{n}") for n in range(USERS)]
    late = emulator.private_chat(user_id=3999, first_name="Late")
    shown = [0]
    walkers = [Walker(u, n, shown) for n, u in enumerate(users)]
    with ThreadPoolExecutor(USERS) as pool:
        messages = list(pool.map(Walker.onboard, walkers))
        walking = [pool.submit(w.assess, m) for w, m in zip(walkers, messages, strict=True)]

        deadline = time.monotonic() + WAIT
        while shown[0] < SIGTERM_AFTER:  # mid-burst: every user is pressing
            assert time.monotonic() < deadline, f"only {shown[0]} ratings shown"
            assert not any(f.done() for f in walking), [f.exception() for f in walking]
            time.sleep(0.005)
        assert bot.process is not None
        late.send_text("what does strategic mean for complaints")  # in flight for sure
        bot.process.send_signal(signal.SIGTERM)
        pending = {q for w in walkers for q in w.pressed} - answered_queries(emulator)
        code = bot.process.wait(timeout=30)
        at_exit = shown[0]
        finished = pending & answered_queries(emulator)

        assert code == 0, f"careerbot run exited with {code}:\n{bot.output()[-3000:]}"
        assert "error while handling" not in bot.output(), bot.output()[-3000:]
        stopped = consistent(db, [u.user_id for u in users])  # nothing half-applied
        assert any(step == "rate" for step, _ in stopped.values()), stopped  # it was mid-burst

        time.sleep(0.5)  # users keep pressing into the void for a moment
        bot.start()
        for future in walking:
            future.result(timeout=WAIT)  # raises what went wrong for that user

    assert at_exit < USERS * 9, "the burst was over before the signal"
    final = consistent(db, [u.user_id for u in users])
    domains = _domains()
    for n, user in enumerate(users):
        step, ratings = final[user.user_id]
        expected = {d: LEVEL_OF[label] for d, label in zip(domains, answers_for(n), strict=True)}
        assert (step, ratings) == ("menu", expected), user.user_id
        answered = {a["callback_query_id"] for a in user.bot_actions("answerCallbackQuery")}
        assert set(walkers[n].pressed) <= answered, "a tap was never answered"
    assert late.wait_for_bot_message(lambda m: "Strategic" in (m.text or ""), timeout=WAIT)
    assert bot.stop() == 0
    print(
        f"\nSIGTERM after {at_exit} of {USERS * 9} ratings: {len(pending)} taps pending, "
        f"{len(finished)} finished while stopping, the rest answered after the restart"
    )
    output = bot.output()
    assert "error while handling" not in output, output[-3000:]
    assert emulator.token not in output


def _domains() -> list[str]:
    from bot.knowledge import load_knowledge
    from bot.settings import Settings

    return [d.id for d in load_knowledge(Settings(_env_file=None).knowledge_dir).competency.domains]
