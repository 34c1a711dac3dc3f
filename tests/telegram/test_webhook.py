"""Webhook mode: the ASGI worker (bot/web) under uvicorn, as `careerbot run` starts it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from bot import cli
from bot.web import server
from bot.web.app import create_app
from tests.telegram import updates
from tests.telegram.recording import RecordingRequest
from tests.telegram.updates import bot_settings, query_db

SECRET = "s3cret-Token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(app: Starlette, port: int) -> AsyncIterator[str]:
    """`app` served by uvicorn on 127.0.0.1:`port` in this event loop; yields its root URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    worker = uvicorn.Server(config)
    task = asyncio.create_task(worker.serve())
    while not worker.started:
        if task.done():
            raise AssertionError(f"the worker did not start: {task.exception()!r}")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        worker.should_exit = True
        await task


def metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_run_with_webhook_url_serves_the_asgi_worker(sqlite_url, monkeypatch):
    settings = bot_settings(
        sqlite_url,
        webhook_url="https://bot.example.org/careerbot/hook",
        webhook_listen="127.0.0.1",
        webhook_port=8999,
    )
    served: dict = {}
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: served.update(kw, app=app))
    cli.run_bot(settings)
    assert isinstance(served.pop("app"), Starlette)
    assert (served["host"], served["port"]) == ("127.0.0.1", 8999)


async def test_an_update_is_answered_once_handled_and_only_with_the_secret(sqlite_url):
    rec = RecordingRequest()
    port = free_port()
    settings = bot_settings(
        sqlite_url, webhook_url="https://bot.example.org/careerbot/hook", webhook_secret=SECRET
    )
    async with (
        serving(create_app(settings, request=rec), port) as root,
        httpx.AsyncClient(base_url=root, timeout=10) as client,
    ):
        (hook,) = rec.of("setWebhook")
        assert hook.params["url"] == "https://bot.example.org/careerbot/hook"
        assert hook.params["secret_token"] == SECRET
        before = metric((await client.get("/metrics")).text, "careerbot_updates_handled_total")

        alice, mallory = updates.user(1001, "Alice"), updates.user(2002, "Mallory")
        ok = await client.post(
            "/careerbot/hook", json=updates.command("/start", alice), headers={HEADER: SECRET}
        )
        assert ok.status_code == 200
        # Answered only after handling: the welcome has been sent by the time the POST returns.
        (welcome,) = rec.of("sendMessage")
        assert welcome.chat_id == 1001
        assert welcome.text.startswith("<b>Welcome to careerbot</b>")

        for headers in ({HEADER: "wrong"}, {}, {HEADER: SECRET + "x"}):
            refused = await client.post(
                "/careerbot/hook", json=updates.command("/start", mallory), headers=headers
            )
            assert refused.status_code == 403, headers
        elsewhere = await client.post(
            "/other", json=updates.command("/start", mallory), headers={HEADER: SECRET}
        )
        assert elsewhere.status_code == 404
        garbage = await client.post(
            "/careerbot/hook", content=b"not json", headers={HEADER: SECRET}
        )
        assert garbage.status_code == 400
        assert [c.chat_id for c in rec.of("sendMessage")] == [1001]
        assert query_db(sqlite_url, "select id from users") == [(1001,)]

        health = await client.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"database": "ok"})
        after = (await client.get("/metrics")).text
        assert metric(after, "careerbot_updates_handled_total", kind="message") >= 1
        assert metric(after, "careerbot_updates_handled_total") == before + 1
        assert metric(after, "careerbot_update_seconds_count") >= 1


async def test_without_a_webhook_secret_each_start_makes_a_random_one(sqlite_url):
    settings = bot_settings(sqlite_url, webhook_url="https://bot.example.org/")
    secrets = []
    for _ in range(2):
        rec = RecordingRequest()
        async with serving(create_app(settings, request=rec), free_port()):
            (hook,) = rec.of("setWebhook")
            secrets.append(hook.params["secret_token"])
    assert all(len(s) >= 32 for s in secrets) and secrets[0] != secrets[1]


def test_a_worker_needs_a_webhook_url(sqlite_url):
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        create_app(bot_settings(sqlite_url))
