"""A step of no change or one rating is one statement on PostgreSQL (`Repository._step_at_once`,
in autocommit) and a transaction elsewhere: the same outcomes on both engines."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.storage import deliveries
from bot.storage.changes import RecordRating, StartAssessment
from bot.storage.records import NoOpenAssessmentError
from bot.storage.repository import Repository
from tests.conftest import Storage

A = 1001


async def _at_rating(repo: Repository) -> int:
    """A user with a conversation and an open assessment; the stored version."""
    await repo.begin_turn(A, "Ann")
    version = await repo.apply_step(A, 0, "assess", "q0", {}, [StartAssessment()])
    assert version is not None
    return version


async def _ratings(storage: Storage) -> list[tuple[str, str]]:
    async with storage.engine.connect() as conn:
        rows = await conn.execute(text("select domain_id, level from ratings order by domain_id"))
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _claims(storage: Storage) -> int:
    async with storage.engine.connect() as conn:
        return int((await conn.execute(text("select count(*) from handled_updates"))).scalar_one())


async def test_a_rating_step_and_a_stale_one(storage: Storage) -> None:
    repo = storage.repo
    v = await _at_rating(repo)
    step = ("assess", "q1", {"index": 1})
    v2 = await repo.apply_step(A, v, *step, [RecordRating("finance", "managerial")])
    assert v2 == v + 1
    assert await repo.apply_step(A, v, *step, [RecordRating("finance", "strategic")]) is None
    assert await repo.apply_step(A, v2, "assess", "q2", {"index": 2}) == v2 + 1  # no change
    assert await _ratings(storage) == [("finance", "managerial")]
    conversation = (await repo.load_snapshot(A)).conversation
    assert conversation is not None and conversation.step == "q2"
    assert conversation.payload == {"index": 2}


async def test_a_double_tap_records_once(storage: Storage) -> None:
    repo = storage.repo
    v = await _at_rating(repo)
    taps = [
        repo.apply_step(A, v, "assess", "q1", {}, [RecordRating("finance", level)])
        for level in ("managerial", "strategic", "administrative", "managerial")
    ]
    versions = await asyncio.gather(*taps)
    assert sorted(versions, key=lambda x: x or 0) == [None, None, None, v + 1]
    assert len(await _ratings(storage)) == 1


async def test_no_open_assessment_writes_nothing(storage: Storage) -> None:
    repo = storage.repo
    v = await _at_rating(repo)
    await repo.apply_step(A, v, "assess", "q1", {}, [RecordRating("finance", "managerial")])
    async with storage.engine.begin() as conn:
        await conn.execute(text("update assessments set completed_at = CURRENT_TIMESTAMP"))
    with deliveries.handling(7001), pytest.raises(NoOpenAssessmentError):
        await repo.apply_step(A, v + 1, "assess", "q2", {}, [RecordRating("people", "strategic")])
    assert await _claims(storage) == 0
    conversation = (await repo.load_snapshot(A)).conversation
    assert conversation is not None and conversation.version == v + 1  # not moved on
    # Stale as well: stale wins (nothing written, no error), as in a transaction.
    assert (
        await repo.apply_step(A, v, "assess", "q2", {}, [RecordRating("people", "strategic")])
        is None
    )


async def test_an_update_delivered_again_stores_its_step_once(storage: Storage) -> None:
    repo = storage.repo
    v = await _at_rating(repo)
    with deliveries.handling(7002) as delivery:
        rated = [RecordRating("finance", "managerial")]
        assert await repo.apply_step(A, v, "assess", "q1", {}, rated) == v + 1
        assert delivery.claimed
    with deliveries.handling(7002) as again:  # the same update, delivered again
        rated = [RecordRating("finance", "strategic")]
        assert await repo.apply_step(A, v + 1, "assess", "q2", {}, rated) is None
        assert not again.claimed
    with deliveries.handling(7003) as stale:  # a new update with a stale version: claimed
        assert await repo.apply_step(A, v, "assess", "q1", {}) is None
        assert stale.claimed
    assert await _ratings(storage) == [("finance", "managerial")]
    assert await _claims(storage) == 2
