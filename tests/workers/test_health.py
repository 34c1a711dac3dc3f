"""/healthz names what a worker cannot reach: here Redis, cut off while the worker runs."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlparse

import httpx

from bot.web.app import create_app
from tests.telegram.recording import RecordingRequest
from tests.telegram.test_webhook import SECRET, free_port, serving
from tests.telegram.updates import bot_settings
from tests.workers.conftest import REDIS_URL


class Cable:
    """A TCP forwarder to Redis that can be cut: every connection through it is closed."""

    def __init__(self) -> None:
        self.port = free_port()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = urlparse(REDIS_URL)
        up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        self._writers += [writer, up_writer]

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()


async def test_healthz_fails_naming_redis_once_redis_is_cut_off(sqlite_url, redis_prefix):
    cable = Cable()
    await cable.start()
    settings = bot_settings(
        sqlite_url,
        webhook_url="https://bot.example.org/hook",
        webhook_secret=SECRET,
        redis_url=f"redis://127.0.0.1:{cable.port}/0",
        redis_key_prefix=redis_prefix,
    )
    async with (
        serving(create_app(settings, request=RecordingRequest()), free_port()) as root,
        httpx.AsyncClient(base_url=root, timeout=10) as client,
    ):
        healthy = await client.get("/healthz")
        assert (healthy.status_code, healthy.json()) == (200, {"database": "ok", "redis": "ok"})
        cable.cut()
        failing = await client.get("/healthz")
        assert failing.status_code == 503
        assert failing.json()["database"] == "ok"
        assert failing.json()["redis"].startswith("failing")
