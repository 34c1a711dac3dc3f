"""`careerbot console` as a newcomer runs it: a scripted session from /start to the plan."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.console import CONSOLE_USER_ID
from bot.flows.reminders import REMINDER_TEXT
from bot.storage.engine import create_repository
from tests.conftest import schedule
from tests.seeds import COMPETENCY_SEED, normalise, seed_text

CAREERBOT = Path(sys.executable).parent / "careerbot"

SCRIPT = [
    "/start",
    "1",  # OK, let's start
    "Practice manager",  # a button's text works as well as its number
    "2",  # Established career
    "4",  # Moving up
    "Done",
    "1",  # Start self-assessment
    *["2", "3", "2", "2", "3", "3", "2", "1", "2"],  # the nine domains
    "No thanks: set my targets",
    "1",  # Accept these targets
    "1",  # See my plan
    "strategic IC",
]


def console_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "HOME": str(tmp_path), "SQLITE_PATH": str(tmp_path / "bot.sqlite3")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DATABASE_URL", None)
    return env


def run_console(tmp_path: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = console_env(tmp_path)
    return subprocess.run(
        [str(CAREERBOT), "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


def test_scripted_console_session_reaches_a_plan_that_quotes_the_framework(tmp_path):
    result = run_console(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr  # end of input ends the session cleanly
    out = result.stdout
    assert "== Your development plan ==" in out
    plan = out.split("== Your development plan ==")[1].split("\n> ")[0]
    quoted = [line.strip('"') for line in plan.splitlines() if line.startswith('"')]
    assert quoted, plan
    seed = normalise(seed_text(COMPETENCY_SEED))
    for descriptor in quoted:  # every descriptor the plan quotes is the seed's, word for word
        assert normalise(descriptor) in seed, descriptor
    assert "■□· Practice Operation and Development: Administrative → Managerial" in plan
    chart = tmp_path / "exports" / "profile-chart.png"  # beside the SQLite file
    assert f"Saved profile-chart.png to {chart}" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "Infection control – Strategic role" in out  # a question typed after the plan


def test_console_keeps_progress_across_runs(tmp_path):
    run_console(tmp_path, SCRIPT[:9])  # stops after rating two domains
    again = run_console(tmp_path, ["/start", "Continue"])
    assert "Welcome back" in again.stdout
    assert "Self-assessment · 3/9" in again.stdout


def replies(out: str) -> list[tuple[str, str]]:
    """Each typed line with what the console printed after it."""
    return [(*chunk.split("\n", 1), "")[:2] for chunk in ("\n" + out).split("\n> ")[1:]]


def turns(out: str) -> dict[str, str]:
    """What the console printed after each typed line (the last time that line was typed)."""
    return dict(replies(out))


def test_numbers_mean_the_buttons_just_shown(tmp_path):
    out = run_console(
        tmp_path,
        [
            "/start",
            "1",
            "7",  # the role question has six buttons
            "practice manager",  # a choice typed by name
            "established",
            "what does PCN stand for",  # asked mid-flow: answered once, with a way back
            "2",  # the answer has one button: 2 is none of them
            "1",  # ↩ Back to Career directions
            "/help",
            "1",  # after an answer with no buttons, no earlier button is chosen
        ],
    ).stdout
    said = turns(out)
    back_to_the_card, after_help = [reply for line, reply in replies(out) if line == "1"][-2:]
    assert said["7"].strip() == "Pick one of the buttons (1-6), or ask me a question in words."
    assert said["practice manager"].startswith("== Career stage ==")
    assert said["established"].startswith("== Career directions ==")
    answer = said["what does PCN stand for"]
    assert "primary care network" in answer and "== Career directions ==" not in answer
    assert answer.rstrip().endswith("[1] ↩ Back to Career directions")
    assert said["2"].strip() == "Pick one of the buttons (1), or ask me a question in words."
    assert back_to_the_card.startswith("== Career directions ==")
    assert after_help.strip() == (
        "No buttons to pick just now: ask me a question in words, or /start to carry on."
    )
    assert out.count("== Career directions ==") == 2  # not reprinted after the question


def test_a_reply_of_several_views_numbers_its_buttons_on(tmp_path):
    out = run_console(tmp_path, [*SCRIPT[:-1], "/plan"]).stdout
    plan = turns(out)["/plan"]
    numbers = [int(n) for n in re.findall(r"\[(\d+)\] ", plan)]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers, plan


async def _schedule_due_reminder(tmp_path: Path) -> None:
    repo, engine = create_repository(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    try:
        due = datetime.now(UTC) - timedelta(days=1)
        await schedule(repo, CONSOLE_USER_ID, due, "reassess")
    finally:
        await engine.dispose()


def test_a_due_reminder_is_shown_once_when_the_console_starts(tmp_path):
    run_console(tmp_path, ["/start"])
    asyncio.run(_schedule_due_reminder(tmp_path))
    first = run_console(tmp_path, ["1"]).stdout
    assert first.startswith(f"== Reminder ==\n{REMINDER_TEXT}\n[1] Re-assess now")
    assert "First, a minute to set up your profile." in turns(first)["1"]  # "Re-assess now"
    again = run_console(tmp_path, ["/help"]).stdout
    assert REMINDER_TEXT not in again


def test_forget_deletes_the_files_the_console_exported(tmp_path):
    result = run_console(tmp_path, [*SCRIPT[:-1], "/export", "/forget", "1"])
    exports = tmp_path / "exports"
    said = turns(result.stdout)
    for name in ("careerbot-export.json", "development-plan.pdf", "profile-chart.png"):
        assert f"Saved {name} to {exports / name}" in result.stdout
        assert not (exports / name).exists()
    assert f"Also deleted the 3 exported file(s) in {exports}." in said["1"]


ANSI_STYLE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`careerbot console` on a pseudo-terminal, as a person at a keyboard runs it."""

    def __init__(self, tmp_path: Path) -> None:
        self.leader, follower = pty.openpty()
        wide = struct.pack("HHHH", 50, 200, 0, 0)  # rows, columns: no wrapped lines
        fcntl.ioctl(follower, termios.TIOCSWINSZ, wide)
        self.process = subprocess.Popen(
            [str(CAREERBOT), "console"],
            cwd=tmp_path,
            env={**console_env(tmp_path), "TERM": "xterm"},  # rich draws 80 columns for "dumb"
            stdin=follower,
            stdout=follower,
            stderr=follower,
            close_fds=True,
        )
        os.close(follower)
        self.output = b""
        self.seen = 0  # how much of the output read_until has returned

    def read_until(self, marker: str, timeout: float = 60) -> str:
        """Everything printed from now until `marker` appears, without colours and styles."""
        deadline = time.monotonic() + timeout
        while marker not in (text := self._text()[self.seen :]):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in {text!r}")
            ready, _, _ = select.select([self.leader], [], [], 0.2)
            if ready:
                self.output += os.read(self.leader, 65536)
        end = text.index(marker) + len(marker)
        self.seen += end
        return text[:end]

    def _text(self) -> str:
        return ANSI_STYLE.sub("", self.output.decode(errors="replace"))

    def type(self, line: str, until: str = "> ") -> str:
        os.write(self.leader, line.encode() + b"\r")
        self.read_until(line)  # the terminal echoes what was typed
        return self.read_until(until)

    def close(self) -> int:
        os.write(self.leader, b"\x04")  # Ctrl-D
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            os.close(self.leader)


def test_on_a_terminal_a_question_mid_flow_is_answered_once(tmp_path):
    terminal = Terminal(tmp_path)
    try:
        terminal.read_until("Ctrl-D quits.")
        terminal.type("/start", until="OK, let's start")
        terminal.type("1", until="Other")
        assert "Pick one of the buttons (1-6)" in terminal.type("0", until="words.")
        answer = terminal.type("what does PCN stand for", until="Back to Your role")
        assert "primary care network" in answer
        assert "What is your role today?" not in answer  # the card is not printed again
        assert "Pick one of the buttons (1)," in terminal.type("3", until="words.")
        assert "What is your role today?" in terminal.type("1", until="Other")
        assert "Career stage" in terminal.type("pcn manager", until="Not sure")
    finally:
        assert terminal.close() == 0
