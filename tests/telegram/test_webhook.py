"""Webhook mode: real updates posted to PTB's webhook server, the secret token checked."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest
from telegram import Update
from telegram.ext import Application

from bot.telegram import app as app_module
from tests.telegram import updates
from tests.telegram.recording import RecordingRequest
from tests.telegram.updates import bot_settings, query_db, started

SECRET = "s3cret-Token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
BUILD = app_module.build_application


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(predicate, timeout: float = 5.0):  # noqa: ASYNC109 - a polling deadline
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)
    return value


def webhook_of(settings, rec, monkeypatch) -> tuple[Application, dict]:
    """What `bot.telegram.app.run(settings)` starts: the Application and run_webhook's kwargs."""
    captured: dict = {}

    def run_webhook(self: Application, **kwargs) -> None:
        captured.update(kwargs, application=self)

    monkeypatch.setattr(app_module, "build_application", lambda s: BUILD(s, request=rec))
    monkeypatch.setattr(Application, "run_webhook", run_webhook)
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: pytest.fail("polled"))
    app_module.run(settings)
    return captured.pop("application"), captured


async def test_run_with_webhook_url_serves_updates_with_the_secret_only(sqlite_url, monkeypatch):
    rec = RecordingRequest()
    port = free_port()
    settings = bot_settings(
        sqlite_url,
        webhook_url="https://bot.example.org/careerbot/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )
    application, kwargs = webhook_of(settings, rec, monkeypatch)
    assert kwargs == {
        "listen": "127.0.0.1",
        "port": port,
        "url_path": "careerbot/hook",
        "webhook_url": "https://bot.example.org/careerbot/hook",
        "secret_token": SECRET,
        "allowed_updates": Update.ALL_TYPES,
    }

    url = f"http://127.0.0.1:{port}/careerbot/hook"
    async with started(application):
        await application.updater.start_webhook(**kwargs)
        await application.start()
        try:
            (hook,) = rec.of("setWebhook")
            assert hook.params["url"] == "https://bot.example.org/careerbot/hook"
            assert hook.params["secret_token"] == SECRET

            alice, mallory = updates.user(1001, "Alice"), updates.user(2002, "Mallory")
            async with httpx.AsyncClient(timeout=5) as client:
                ok = await client.post(
                    url, json=updates.command("/start", alice), headers={HEADER: SECRET}
                )
                assert ok.status_code == 200
                sent = await wait_for(lambda: rec.of("sendMessage"))
                assert sent[0].chat_id == 1001
                assert sent[0].text.startswith("<b>Welcome to careerbot</b>")

                for headers in ({HEADER: "wrong"}, {}, {HEADER: SECRET + "x"}):
                    refused = await client.post(
                        url, json=updates.command("/start", mallory), headers=headers
                    )
                    assert refused.status_code == 403, headers
                elsewhere = await client.post(
                    f"http://127.0.0.1:{port}/other",
                    json=updates.command("/start", mallory),
                    headers={HEADER: SECRET},
                )
                assert elsewhere.status_code == 404
            await asyncio.sleep(0.2)  # anything wrongly accepted would be handled by now
            assert [c.chat_id for c in rec.of("sendMessage")] == [1001]
            assert query_db(sqlite_url, "select id from users") == [(1001,)]
        finally:
            await application.updater.stop()
            await application.stop()


async def test_run_without_a_webhook_secret_makes_a_random_one(sqlite_url, monkeypatch):
    settings = bot_settings(sqlite_url, webhook_url="https://bot.example.org/", webhook_port=8443)
    _, first = webhook_of(settings, RecordingRequest(), monkeypatch)
    _, second = webhook_of(settings, RecordingRequest(), monkeypatch)
    assert first["url_path"] == ""
    assert len(first["secret_token"]) >= 32 and first["secret_token"] != second["secret_token"]
