"""The real `careerbot run` process, started against the Bot API emulator for e2e tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.vocabulary import LABELS
from tests.e2e.emulator import (
    INSTALL_HINT,
    ChatMessage,
    Emulator,
    emulator_installed,
    node_available,
)

CAREERBOT = Path(sys.executable).parent / "careerbot"
# The rating buttons as users see them, and the level each one stores.
LEVELS = list(LABELS.values())
LEVEL_OF = {label: level for level, label in LABELS.items()}
START_TIMEOUT = 60.0
STEP_TIMEOUT = 15.0
SETTINGS_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_BASE_FILE_URL",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "DATABASE_URL",
    "SQLITE_PATH",
    "KNOWLEDGE_DIR",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "TELEGRAM_MESSAGES_PER_SECOND",
    "TELEGRAM_GROUP_MESSAGES_PER_MINUTE",
    "DRAWING_PROCESSES",
)


def require_emulator() -> None:
    missing = None
    if not node_available():
        missing = "node is not installed"
    elif not emulator_installed():
        missing = f"tests/e2e/emulator/node_modules is missing: {INSTALL_HINT}"
    elif not CAREERBOT.is_file():
        missing = f"{CAREERBOT} is missing (pip install -e . in the venv)"
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"e2e bot process cannot run in CI: {missing}")
    pytest.skip(f"e2e bot process cannot run: {missing}")


class ChildProcess:
    """A `careerbot run` child process (`process`) writing its output to `log_path`."""

    process: subprocess.Popen | None
    log_path: Path
    stop_timeout = 20.0

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye, exactly as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class BotProcess(ChildProcess):
    """`careerbot run` polling the emulator, on SQLite in `workdir`."""

    def __init__(self, emulator: Emulator, workdir: Path) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.db = workdir / "careerbot.sqlite3"
        self.process: subprocess.Popen | None = None
        env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
        env.update(emulator.bot_env())
        env.update(
            HOME=str(workdir / "home"),
            SQLITE_PATH=str(self.db),
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self.env = env

    def start(self) -> float:
        """Start and wait until it polls; returns the seconds that took."""
        started = time.monotonic()
        polls_before = self.emulator.get_updates_calls()
        with self.log_path.open("a") as log:
            log.write(f"--- start at {time.time():.3f}\n")
            log.flush()
            self.process = subprocess.Popen(
                [str(CAREERBOT), "run"],
                cwd=self.workdir,  # no .env here
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + START_TIMEOUT
        while self.emulator.get_updates_calls() <= polls_before:
            if self.process.poll() is not None:
                raise AssertionError(f"careerbot run exited early:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"careerbot run did not poll:\n{self.output()}")
            time.sleep(0.05)
        return time.monotonic() - started


def button_data(message: ChatMessage, label: str) -> str:
    for text, data in message.buttons:
        if data and (text == label or text.endswith(f" {label}") or text.startswith(label)):
            return data
    raise AssertionError(f"no button {label!r} on message {message.message_id}: {message.buttons}")
