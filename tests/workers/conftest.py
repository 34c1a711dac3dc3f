"""Fixtures for several workers: Redis (a unique key prefix per test) beside the databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "unusable"
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but unusable: {exc!r}")
        pytest.skip(f"Redis unreachable at {REDIS_URL} ({exc!r}); start it or set TEST_REDIS_URL")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()
