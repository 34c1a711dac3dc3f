"""`careerbot run` as a process: no token, PostgreSQL behind, a rejected token; polling set-up."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from telegram.ext import Application

from bot import cli
from bot.cli import CONSOLE_INSTEAD, NO_TOKEN, TOKEN_REJECTED
from bot.telegram import app as app_module
from bot.telegram.logging_setup import configure_logging
from tests.e2e.botprocess import SETTINGS_VARS
from tests.telegram.recording import RecordingRequest
from tests.telegram.updates import TOKEN, bot_settings

CAREERBOT = str(Path(sys.executable).parent / "careerbot")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The test's environment without careerbot's settings, HOME at `home`, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env.update(HOME=str(home), PYTHONUNBUFFERED="1", COLUMNS="100", **extra)
    return env


def run_careerbot(tmp_path: Path, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    """`careerbot run` with no terminal, in an empty directory (so no `.env` is read)."""
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    return subprocess.run(
        [CAREERBOT, "run"],
        cwd=work,
        env=clean_env(tmp_path / "home", **extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("token", [None, ""], ids=["unset", "empty"])
def test_no_token_and_no_terminal_explains_botfather_and_exits(tmp_path, token):
    result = run_careerbot(tmp_path, **({} if token is None else {"TELEGRAM_BOT_TOKEN": token}))
    assert result.returncode != 0
    lines = result.stdout.splitlines()
    assert lines == [*NO_TOKEN.splitlines(), CONSOLE_INSTEAD] and len(lines) == 3, result.stdout
    assert "@BotFather" in lines[0] and "/newbot" in lines[0]
    assert "TELEGRAM_BOT_TOKEN" in lines[1]
    assert "`careerbot console`" in lines[2] and "piped input" in lines[2]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "home" / ".local").exists()  # no database made for nothing


def test_no_token_on_a_terminal_starts_the_console_chat(tmp_path):
    home, work = tmp_path / "home", tmp_path / "cwd"
    work.mkdir()
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [CAREERBOT, "run"],
        cwd=work,
        env=clean_env(home, TERM="dumb"),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    output = b""

    def read_until(marker: bytes, timeout: float = 60) -> None:
        nonlocal output
        deadline = time.monotonic() + timeout
        while marker not in output:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in {output.decode(errors='replace')!r}")
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    output += os.read(leader, 65536)
                except OSError:  # the process ended and closed the terminal
                    break

    try:
        read_until(b"quits.")
        os.write(leader, b"/start\r")
        read_until(b"Welcome to careerbot")
        os.write(leader, b"\x04")  # Ctrl-D
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    text = output.decode(errors="replace")
    assert "@BotFather" in text and "Starting the console chat instead." in text
    assert (home / ".local" / "share" / "careerbot" / "careerbot.sqlite3").is_file()


@pytest.mark.postgres
async def test_postgres_behind_refuses_naming_the_upgrade_command(tmp_path, postgres_url):
    result = await asyncio.to_thread(
        run_careerbot,
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",  # nothing listens: Telegram is not asked
        DATABASE_URL=postgres_url,
    )
    assert result.returncode != 0
    assert "careerbot db upgrade" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr


class _Unauthorized(BaseHTTPRequestHandler):
    """Telegram's answer to a revoked or mistyped token."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST

    def log_message(self, *args) -> None:
        return None


def test_a_rejected_token_is_reported_without_printing_it(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_careerbot(
            tmp_path,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=f"http://127.0.0.1:{server.server_port}/bot",
            SQLITE_PATH=str(tmp_path / "bot.sqlite3"),
        )
    finally:
        server.shutdown()
        thread.join()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert TOKEN not in output, output
    assert result.stderr.splitlines() == [TOKEN_REJECTED]  # one sentence, no traceback
    assert (tmp_path / "bot.sqlite3").is_file()  # migrated before Telegram was asked


def test_no_network_says_so_in_one_sentence_and_retries_with_backoff(tmp_path):
    """Nothing listens at the Bot API address, as when the machine is offline."""
    work = tmp_path / "cwd"
    work.mkdir()
    env = clean_env(
        tmp_path / "home",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",
        SQLITE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL}
    process = subprocess.Popen(
        [CAREERBOT, "run"], cwd=work, env=env, text=True, **quiet, stderr=subprocess.PIPE
    )
    try:
        said = [process.stderr.readline().rstrip("\n") for _ in range(2)]
        assert process.poll() is None  # still trying: the network may come back
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = process.communicate(timeout=30)
    assert said == [app_module.unreachable(bot_settings("x"), s) for s in (2, 4)], said
    assert said[0] == (
        "Cannot reach Telegram at 127.0.0.1:9: check this machine's internet connection "
        "(or TELEGRAM_BASE_URL); trying again in 2 s, Ctrl-C stops."
    )
    assert "Traceback" not in err and TOKEN not in err
    assert process.returncode == 130


def test_run_polls_confirming_updates_once_handled(sqlite_url, monkeypatch):
    """Without WEBHOOK_URL the bot polls with its own loop (updates confirmed to Telegram once
    handled), never PTB's Updater, which confirms a batch while it is still being handled."""
    polled: list[Application] = []
    build = app_module.build_application
    monkeypatch.setattr(
        app_module, "build_application", lambda s: build(s, request=RecordingRequest())
    )
    monkeypatch.setattr(app_module.polling, "run_polling", polled.append)
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: pytest.fail("PTB's"))
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: pytest.fail("webhook"))
    cli.run_bot(bot_settings(sqlite_url))
    assert len(polled) == 1 and isinstance(polled[0], Application)


def test_logging_never_shows_the_token(capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    for handler in before:
        root.removeHandler(handler)
    try:
        configure_logging("INFO", TOKEN)
        log = logging.getLogger("careerbot.test")
        log.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        log.warning(f"literal {TOKEN}")
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            log.exception("start-up failed")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
    err = capsys.readouterr().err
    assert "getMe" in err and "start-up failed" in err and "was rejected" in err
    assert TOKEN not in err
    assert err.count("<token>") == 3
