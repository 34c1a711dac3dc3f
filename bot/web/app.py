"""One webhook worker: a Starlette app under uvicorn, as PTB's `customwebhookbot` examples.

Routes: the webhook path of `WEBHOOK_URL` (POST, Telegram's secret token checked), `/healthz`
(the database and, when configured, Redis answer) and `/metrics` (Prometheus text format).

An update is answered only once it has been handled: a worker that dies mid-update never
answers, so Telegram (or the load balancer) posts it again, to a live worker. Several workers
run the same app; with `REDIS_URL` set they share the per-user order and the send limits
(bot/telegram/workers.py). Only the first worker to start calls setWebhook; reminders are
claimed in the database, so every worker may look for due ones and each is sent once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.request import BaseRequest

from bot.observability import UPDATE_ERRORS, UPDATE_SECONDS, UPDATES_HANDLED, about_update
from bot.settings import Settings
from bot.storage.engine import create_engine
from bot.telegram.app import build_application
from bot.telegram.context import BotApplication, BotContext
from bot.telegram.workers import Workers, workers_for

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 2.0
#: How long the first worker's setWebhook stands for the others (seconds).
WEBHOOK_SET_FOR = 3600


def create_app(settings: Settings, request: BaseRequest | None = None) -> Starlette:
    """The worker's ASGI app; `request` replaces the bot's HTTP layer (tests, benchmarks)."""
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    workers = workers_for(settings)
    bot = build_application(settings, request=request, workers=workers)
    bot.add_error_handler(_count_error)
    database = create_engine(settings.effective_database_url, poolclass=pool.NullPool)
    state: dict[str, str] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["secret"] = await _secret(settings, workers)
        await bot.initialize()
        try:
            if bot.post_init is not None:
                await bot.post_init(bot)
            await _set_webhook_once(settings, workers, bot, state["secret"])
            await bot.start()
            try:
                yield
            finally:
                await bot.stop()
        finally:
            await bot.shutdown()
            if bot.post_shutdown is not None:
                await bot.post_shutdown(bot)
            await database.dispose()
            if workers.redis is not None:
                await workers.redis.aclose()

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), state["secret"].encode()):
            return Response(status_code=403)
        started = time.perf_counter()
        try:
            update = Update.de_json(await request.json(), bot.bot)
        except ValueError:
            return Response(status_code=400)
        user = update.effective_user
        with about_update(update.update_id, user.id if user else None):
            try:
                await bot.update_processor.process_update(update, bot.process_update(update))
            except Exception:
                UPDATE_ERRORS.inc()
                log.exception("an update could not be handled; Telegram will post it again")
                return Response(status_code=503)
        UPDATES_HANDLED.labels(_kind(update)).inc()
        UPDATE_SECONDS.observe(time.perf_counter() - started)
        return Response(status_code=200)

    async def healthz(_: Request) -> Response:
        checks: dict[str, Awaitable[object]] = {"database": _database_answers(database)}
        if workers.redis is not None:
            checks["redis"] = workers.redis.ping()
        results = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check, HEALTH_TIMEOUT)
                results[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure is "not ok"
                results[name] = f"failing: {type(exc).__name__}"
        healthy = all(value == "ok" for value in results.values())
        return JSONResponse(results, status_code=200 if healthy else 503)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    path = "/" + urlparse(settings.webhook_url).path.lstrip("/")
    return Starlette(
        routes=[
            Route(path, webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


async def _database_answers(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("select 1"))


async def _count_error(update: object, context: BotContext) -> None:
    UPDATE_ERRORS.inc()


def _kind(update: Update) -> str:
    for kind in ("callback_query", "message", "edited_message", "inline_query", "chat_member"):
        if getattr(update, kind) is not None:
            return kind
    return "other"


async def _secret(settings: Settings, workers: Workers) -> str:
    """`WEBHOOK_SECRET`, or one made at random: per start alone, shared by workers in Redis."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if workers.redis is None:
        return secrets.token_urlsafe(32)
    key = f"{settings.redis_key_prefix}:webhook-secret"
    await workers.redis.set(key, secrets.token_urlsafe(32), nx=True)
    shared = await workers.redis.get(key)
    return shared.decode() if isinstance(shared, bytes) else str(shared)


async def _set_webhook_once(
    settings: Settings, workers: Workers, bot: BotApplication, secret: str
) -> None:
    """Tell Telegram where to post: alone always; with Redis, the first worker to start with
    this address and secret (workers started within the hour after it leave it be)."""
    if settings.webhook_url is None:
        raise ValueError("WEBHOOK_URL is not set")
    if workers.redis is not None:
        key = f"{settings.redis_key_prefix}:webhook-set"
        digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
        if await workers.redis.get(key) == f"{settings.webhook_url} {digest}".encode():
            return
        await workers.redis.set(key, f"{settings.webhook_url} {digest}", ex=WEBHOOK_SET_FOR)
    await bot.bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
