"""Double taps: concurrent steps with the same expected version apply exactly once."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import text

from bot.storage.changes import RecordRating, StartAssessment
from bot.storage.engine import create_repository
from tests.conftest import Storage, schedule

A = 2001
ROUNDS = 10


async def _count(storage: Storage, sql: str, **params: object) -> int:
    async with storage.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_double_tap_records_exactly_one_rating(storage: Storage) -> None:
    repo = storage.repo
    # a second engine too, so the two taps really are separate connections/pools
    other, other_engine = create_repository(storage.url)
    try:
        await repo.begin_turn(A, "Ann")
        version = await repo.apply_step(A, 0, "assess", "q0", {}, [StartAssessment()])
        first = version
        for i in range(ROUNDS):
            domain = f"domain-{i}"
            results = await asyncio.gather(
                repo.apply_step(
                    A, version, "assess", f"q{i + 1}", {"tap": 1}, [RecordRating(domain, "not_yet")]
                ),
                other.apply_step(
                    A,
                    version,
                    "assess",
                    f"q{i + 1}",
                    {"tap": 2},
                    [RecordRating(domain, "strategic")],
                ),
            )
            winners = [r for r in results if r is not None]
            assert winners == [version + 1], results
            assert results.count(None) == 1
            n = await _count(storage, "SELECT count(*) FROM ratings WHERE domain_id = :d", d=domain)
            assert n == 1
            snap = await repo.load_snapshot(A)
            won = results.index(version + 1)
            assert snap.conversation.payload == {"tap": won + 1}
            assert snap.open_assessment.levels[domain] == ("not_yet", "strategic")[won]
            version += 1
        assert await _count(storage, "SELECT count(*) FROM ratings") == ROUNDS
        assert (await repo.load_snapshot(A)).conversation.version == first + ROUNDS
    finally:
        await other_engine.dispose()


async def test_racing_first_steps_insert_one_conversation(storage: Storage) -> None:
    repo = storage.repo
    other, other_engine = create_repository(storage.url)
    try:
        for i in range(ROUNDS):
            uid = A + 100 + i
            await repo.begin_turn(uid, f"user {i}")
            results = await asyncio.gather(
                repo.apply_step(uid, 0, "onboarding", "a", {}, [StartAssessment()]),
                other.apply_step(uid, 0, "onboarding", "b", {}, [StartAssessment()]),
            )
            assert results.count(None) == 1, results  # one insert won, the other is stale
            where = {"u": uid}
            sql = "SELECT count(*) FROM {} WHERE user_id = :u"
            assert await _count(storage, sql.format("conversations"), **where) == 1
            assert await _count(storage, sql.format("assessments"), **where) == 1
    finally:
        await other_engine.dispose()


async def test_reminder_claimed_by_exactly_one_worker(storage: Storage) -> None:
    repo = storage.repo
    await repo.begin_turn(A, "Ann")
    due = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(ROUNDS):
        rid = await schedule(repo, A, due, "checkin")
        claims = await asyncio.gather(*(repo.claim_reminder(rid, f"w{k}") for k in range(4)))
        assert claims.count(True) == 1
    assert await repo.due_reminders(due) == []


async def test_a_step_waits_out_another_writer_without_holding_up_the_event_loop(
    sqlite_storage: Storage,
) -> None:
    """While another connection (a second process, a backup) briefly holds SQLite's write lock,
    a step waits for it and then goes through; other users are served meanwhile."""
    repo = sqlite_storage.repo
    await repo.begin_turn(A, "Ann")
    path = sqlite_storage.url.removeprefix("sqlite+aiosqlite:///")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    step = asyncio.create_task(repo.apply_step(A, 0, "assess", "q0", {}, [StartAssessment()]))
    served = 0
    while served < 3:  # the loop keeps running other work while the step waits
        await asyncio.sleep(0.01)
        served += 1
    assert not step.done()
    holder.execute("COMMIT")
    holder.close()
    assert await step is not None  # written (at a random first version), not stale
    assert (await repo.load_snapshot(A)).open_assessment is not None
