"""Forget and export cover every row about a user in every table.

Which rows "name" a user is worked out by reflecting the migrated schema, not
from the repository's code: a row names the user when it is their `users` row,
has their `user_id`, or references such a row through a foreign key (ratings
through assessments). A table added later is therefore covered automatically.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Table,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection

from bot.storage.changes import (
    AcceptPrivacy,
    AddComment,
    AddCpdEntry,
    AddObjective,
    AttachEvidence,
    CreateShare,
    OpenShare,
    RecordRating,
    ScheduleReminder,
    SetGroupOptIns,
    SetProfile,
    SetTarget,
    StartAssessment,
)
from bot.storage.records import PublishedPicture
from bot.storage.repository import Repository
from bot.storage.tables import SENT_AS_FILES
from tests.conftest import Storage, apply, assess, join

A, B = 3001, 3002
SHARED_CHAT, A_CHAT, B_CHAT = -1001, -1002, -1003
#: handled_updates holds Telegram update numbers and times only, nothing naming anyone
NOT_ABOUT_USERS = {"alembic_version", "group_chats", "group_pictures", "handled_updates"}


async def populate(repo: Repository, uid: int, own_chat: int) -> None:
    """Put rows about `uid` into every table."""
    await repo.begin_turn(uid, f"user {uid}")
    done = await assess(
        repo,
        uid,
        RecordRating("finance", "managerial", note="ok"),
        RecordRating("finance", "strategic", range_id="fin-1"),
    )
    await repo.store_chart(done, "chart-key", b"\x89PNG a chart")
    due = datetime(2025, 6, 1, tzinfo=UTC)
    conversation = (await repo.load_snapshot(uid)).conversation
    assert conversation is not None
    await repo.apply_step(
        uid,
        conversation.version,
        "assess",
        "q2",
        {"i": 2},
        [
            AcceptPrivacy(),
            SetProfile(years_in_management=4),
            SetTarget("people", "managerial"),
            StartAssessment(),
            RecordRating("people", "not_yet"),
            AddCpdEntry("read a book", hours=1.5, domain_id="people"),
            ScheduleReminder(due, "reassess"),
            ScheduleReminder(due + timedelta(days=1), "checkin"),
            AddObjective("finance", None, "a budget", "the budget", due.date(), due),
            AttachEvidence("certificate.pdf", "application/pdf", b"%PDF-1.4 evidence"),
            CreateShare(f"share-of-{uid}-0123456789"),
        ],
    )
    await apply(
        repo,
        uid,
        SetProfile(role="PM", career_stage="late", directions=("pcn",)),
        SetTarget("finance", "strategic"),
        AddCpdEntry("webinar"),
    )
    await repo.remember_answer(uid, "r:complaints:m")
    (share,), (objective,) = await repo.shares(uid), await repo.objectives(uid)
    await repo.begin_turn(uid + 100, "an appraiser")
    await apply(
        repo,
        uid + 100,
        OpenShare(share.id, "an appraiser"),
        AddComment(share.id, objective.id, "well set"),
    )
    for chat in (SHARED_CHAT, own_chat):
        await join(repo, chat, uid, f"chat {chat}")
    await apply(repo, uid, SetGroupOptIns(SHARED_CHAT, True, ("finance",)))
    drawn_from = {uid: (1, {"finance": "strategic"})}  # the picture last shown in their group
    await repo.publish_group_picture(own_chat, PublishedPicture(1, {}, drawn_from))


def owned(table: Table, uid: int) -> ColumnElement[bool] | None:
    conds: list[ColumnElement[bool]] = []
    if table.name == "users":
        conds.append(table.c.id == uid)
    if "user_id" in table.c:
        conds.append(table.c.user_id == uid)
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table
        parent_clause = None if parent is table else owned(parent, uid)
        if parent_clause is not None:
            [col] = fk.columns  # single-column keys in this schema
            conds.append(col.in_(select(fk.elements[0].column).where(parent_clause)))
    return or_(*conds) if conds else None


def reflect(conn: Connection) -> MetaData:
    md = MetaData()
    md.reflect(conn)
    return md


async def reflected(storage: Storage) -> MetaData:
    async with storage.engine.connect() as conn:
        return await conn.run_sync(reflect)


async def counts(storage: Storage, md: MetaData, uid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    async with storage.engine.connect() as conn:
        for table in md.sorted_tables:
            clause = owned(table, uid)
            if clause is not None:
                q = select(func.count()).select_from(table).where(clause)
                out[table.name] = (await conn.execute(q)).scalar_one()
    return out


async def total_rows(storage: Storage, md: MetaData) -> dict[str, int]:
    async with storage.engine.connect() as conn:
        return {
            t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in md.sorted_tables
        }


@pytest.fixture
async def populated(storage: Storage) -> tuple[Storage, MetaData]:
    await populate(storage.repo, A, A_CHAT)
    await populate(storage.repo, B, B_CHAT)
    md = await reflected(storage)
    about_users = {t for t in md.tables if owned(md.tables[t], A) is not None}
    assert about_users == set(md.tables) - NOT_ABOUT_USERS
    for uid in (A, B):  # the fixture really fills every table
        assert all(n > 0 for n in (await counts(storage, md, uid)).values())
    return storage, md


async def test_forget_user_deletes_every_row_about_them(
    populated: tuple[Storage, MetaData],
) -> None:
    storage, md = populated
    before_a = await counts(storage, md, A)
    before_b = await counts(storage, md, B)
    totals = await total_rows(storage, md)

    deleted = await storage.repo.forget_user(A)

    assert {t: n for t, n in deleted.items() if n} == before_a
    assert all(n == 0 for n in (await counts(storage, md, A)).values())
    assert await counts(storage, md, B) == before_b
    after = await total_rows(storage, md)
    assert after == {t: totals[t] - before_a.get(t, 0) for t in totals}  # nothing else touched
    snap = await storage.repo.load_snapshot(A)
    assert snap.user is None and snap.conversation is None and snap.profile is None
    assert await storage.repo.assessment_history(A) == []
    assert len(await storage.repo.assessment_history(B)) == 1
    assert [p.user_id for p in await storage.repo.group_shared_profiles(SHARED_CHAT)] == [B]
    assert all(n == 0 for n in (await storage.repo.forget_user(A)).values())


def _normalise(value: Any, column_type: Any, sent_as_file: bool = False) -> Any:
    if isinstance(column_type, DateTime) and value is not None:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(column_type, JSON) and isinstance(value, str):
        return json.loads(value)
    if isinstance(column_type, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary) and isinstance(value, bytes):
        if sent_as_file:
            return f"({len(value)} bytes: sent as a file with this export)"  # the file goes along
        return base64.b64encode(value).decode("ascii")  # an assessment's chart
    return value


async def test_export_user_contains_every_row_about_them(
    populated: tuple[Storage, MetaData],
) -> None:
    storage, md = populated
    exported = await storage.repo.export_user(A)
    exported = json.loads(json.dumps(exported))  # JSON-ready, and compare what a file would hold
    assert exported["user_id"] == A
    tables = exported["tables"]

    async with storage.engine.connect() as conn:
        for table in md.sorted_tables:
            clause = owned(table, A)
            if clause is None:
                continue
            rows = (await conn.execute(select(table).where(clause))).mappings().all()
            types = {c.name: c.type for c in table.columns}

            def norm(
                row: Any, types: dict[str, Any] = types, name: str = table.name
            ) -> dict[str, Any]:
                return {
                    k: _normalise(v, types[k], (name, k) in SENT_AS_FILES)
                    for k, v in dict(row).items()
                }

            got = [norm(r) for r in tables[table.name]]
            assert len(got) == len(rows), table.name
            for row in rows:
                assert norm(row) in got, (table.name, dict(row))
    assert set(tables) == {t for t in md.tables if owned(md.tables[t], A) is not None}
    assert all(
        r["user_id"] == A for t, rs in tables.items() if t != "users" for r in rs if "user_id" in r
    )


async def test_export_of_unknown_user_is_empty(repo: Repository) -> None:
    exported = await repo.export_user(404)
    json.dumps(exported)
    assert all(rows == [] for rows in exported["tables"].values())
