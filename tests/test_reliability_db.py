"""The database goes away mid-run: the user is told briefly, nothing is half-written, and the
bot carries on by itself when the database is back (same process, no restart).

Driven through the real Application with the fake Bot API (tests/telegram/recording.py).

SQLite: another connection holds the write lock; the file turns read-only; an I/O error
half-way through a step's transaction. (The tests run as root, for whom file permissions do
not apply, so "read-only" is SQLite's own `query_only`, giving the same SQLITE_READONLY error.)

PostgreSQL: the machine's server keeps running for the other tests. Instead the bot's
backends are terminated with pg_terminate_backend (between updates, and in the middle of a
step's transaction), and the bot reaches the server through a small TCP proxy that is stopped
and started again, as a server restart looks to the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.runtime
import bot.storage.engine
from bot.storage.engine import SQLITE_BUSY_TIMEOUT_MS, SQLITE_POOL_TIMEOUT_S, create_engine
from bot.storage.migrate import upgrade_to_head_async
from bot.telegram.app import build_application
from bot.telegram.handlers import DB_DOWN
from bot.telegram.reminders import REMINDER_TEXT, send_due_reminders
from tests.conftest import schedule
from tests.telegram.recording import Call, RecordingRequest, strip_html
from tests.telegram.updates import TgUser, bot_settings, sqlite_file, started

ALICE = 1001
REMINDED = 1002
FIRST_DOMAIN = "practice-operation-and-development"
SECOND_DOMAIN = "risk-management"
ONBOARDING = ("OK, let's start", "Practice manager", "Early", "Moving up", "Done")
#: A user waiting longer than this for "temporarily unavailable" thinks the bot is dead.
REPLY_WITHIN = 6.0
RATINGS = (
    "select r.domain_id, r.level from ratings r join assessments a on a.id = r.assessment_id "
    "where a.user_id = :user and r.range_id = '' order by r.domain_id"
)
CONVERSATION = "select step, version from conversations where user_id = :user"


# -- helpers ------------------------------------------------------------------------------
def methods(calls: list[Call]) -> list[str]:
    return [c.method for c in calls]


async def rows(url: str, sql: str, **params: Any) -> list[tuple]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


async def snapshot(url: str) -> tuple[list[tuple], list[tuple]]:
    """Alice's conversation (step, version) and domain ratings."""
    return await rows(url, CONVERSATION, user=ALICE), await rows(url, RATINGS, user=ALICE)


@pytest.fixture
def engines(monkeypatch) -> list[AsyncEngine]:
    """The bot's database engines, as its runtime creates them."""
    made: list[AsyncEngine] = []
    real = bot.runtime.create_repository

    def create_repository(url, **kwargs):
        repo, engine = real(url, **kwargs)
        made.append(engine)
        return repo, engine

    monkeypatch.setattr(bot.runtime, "create_repository", create_repository)
    return made


@pytest.fixture
def loop_engines(monkeypatch) -> list[Engine]:
    """The synchronous engines the bot's per-update transactions run on (SQLite files)."""
    made: list[Engine] = []
    real = bot.storage.engine.create_loop_engine

    def create_loop_engine(url):
        made.append(real(url))
        return made[-1]

    monkeypatch.setattr(bot.storage.engine, "create_loop_engine", create_loop_engine)
    return made


def every_engine(engines: list[AsyncEngine], loop_engines: list[Engine]) -> list[Engine]:
    return [engine.sync_engine for engine in engines] + loop_engines


async def at_first_rating(alice: TgUser) -> int:
    """Onboard Alice and open the self-assessment at 1/9; returns the message it is in."""
    (welcome,) = await alice.command("/start")
    for label in ONBOARDING:
        await alice.press(label, welcome.message_id)
    await alice.press("Start self-assessment", welcome.message_id)
    return welcome.message_id


async def tap_while_down(alice: TgUser, label: str, m: int) -> tuple[list[Call], float]:
    started_at = time.monotonic()
    calls = await alice.press(label, m)
    return calls, time.monotonic() - started_at


def assert_told_unavailable(calls: list[Call], elapsed: float) -> None:
    """The tap answered and one short "temporarily unavailable, answers saved" message."""
    assert methods(calls) == ["answerCallbackQuery", "sendMessage"], calls
    assert calls[1].text == DB_DOWN and "answers so far are saved" in DB_DOWN
    assert elapsed < REPLY_WITHIN, f"the user waited {elapsed:.1f}s for the reply"


def assert_carries_on(calls: list[Call], m: int, title: str) -> None:
    assert methods(calls)[:2] == ["answerCallbackQuery", "editMessageText"], calls
    assert all(c.ok for c in calls), calls
    assert calls[1].message_id == m and strip_html(calls[1].text).startswith(title)


@pytest.fixture
def rec() -> RecordingRequest:
    return RecordingRequest()


# -- SQLite ---------------------------------------------------------------------------------
@pytest.fixture
async def sqlite_bot(sqlite_url, rec, engines, loop_engines):
    async with started(build_application(bot_settings(sqlite_url), request=rec)) as app:
        yield app, TgUser(app, rec, user_id=ALICE, first_name="Alice")


def test_busy_timeout_leaves_time_to_reply():
    """A locked file must get the user an answer within seconds; the bot's own writers (one
    short transaction per step, on one pooled connection) wait milliseconds."""
    assert 1000 <= SQLITE_BUSY_TIMEOUT_MS <= 5000
    assert SQLITE_POOL_TIMEOUT_S * 1000 < SQLITE_BUSY_TIMEOUT_MS  # queued ones give up first


@contextlib.contextmanager
def write_lock(url: str):
    """Another connection (a backup tool, a second process) holds SQLite's write lock."""
    holder = sqlite3.connect(sqlite_file(url), isolation_level=None, check_same_thread=False)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield holder
    finally:
        holder.rollback()
        holder.close()


async def test_sqlite_locked_by_another_connection(sqlite_bot, sqlite_url):
    app, alice = sqlite_bot
    m = await at_first_rating(alice)
    before = await snapshot(sqlite_url)
    with write_lock(sqlite_url):
        calls, elapsed = await tap_while_down(alice, "Managerial", m)
        assert_told_unavailable(calls, elapsed)
    assert await snapshot(sqlite_url) == before  # nothing written

    # The lock is gone: the same process carries on, the old question's buttons still work.
    assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
    assert await rows(sqlite_url, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "managerial")]


async def test_sqlite_locked_while_many_users_tap(sqlite_url, rec):
    """Updates run concurrently but share SQLite's one writer: while the file is locked,
    every user still hears back within seconds, not one busy timeout after another."""
    app = build_application(bot_settings(sqlite_url), request=rec, rate_limited=False)
    async with started(app):
        users = [TgUser(app, rec, user_id=2000 + n, first_name=f"U{n}") for n in range(8)]
        messages = [await at_first_rating(user) for user in users]
        mark = rec.mark()
        with write_lock(sqlite_url):
            results = await asyncio.gather(
                *(tap_while_down(u, "Managerial", m) for u, m in zip(users, messages, strict=True))
            )
        calls = rec.since(mark)  # (the users' calls interleave)
        for user, (_, elapsed) in zip(users, results, strict=True):
            told = [
                c.text for c in calls if c.method == "sendMessage" and c.chat_id == user.chat_id
            ]
            assert told == [DB_DOWN]
            assert elapsed < REPLY_WITHIN, f"a user waited {elapsed:.1f}s for the reply"
        assert_carries_on(
            await users[0].press("Managerial", messages[0]), messages[0], "Self-assessment · 2/9"
        )
    assert await rows(sqlite_url, "select count(*) from ratings") == [(1,)]


async def test_sqlite_locked_between_reading_and_writing_a_step(
    sqlite_bot, sqlite_url, monkeypatch
):
    """The lock is taken after the step was read and before it is written."""
    app, alice = sqlite_bot
    m = await at_first_rating(alice)
    before = await snapshot(sqlite_url)
    repo = app.bot_data["runtime"].repo
    write = repo.apply_step
    with contextlib.ExitStack() as stack:

        async def apply_step(*args, **kwargs):
            stack.enter_context(write_lock(sqlite_url))
            return await write(*args, **kwargs)

        monkeypatch.setattr(repo, "apply_step", apply_step)
        calls, elapsed = await tap_while_down(alice, "Managerial", m)
        assert_told_unavailable(calls, elapsed)
        monkeypatch.setattr(repo, "apply_step", write)
    assert await snapshot(sqlite_url) == before
    assert_carries_on(await alice.press("Strategic", m), m, "Self-assessment · 2/9")
    assert await rows(sqlite_url, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "strategic")]


async def test_sqlite_read_only(sqlite_bot, sqlite_url, engines, loop_engines):
    app, alice = sqlite_bot
    m = await at_first_rating(alice)
    before = await snapshot(sqlite_url)
    read_only = {"on": True}

    def _checkout(dbapi_connection, record, proxy) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA query_only={'ON' if read_only['on'] else 'OFF'}")
        cursor.close()

    for engine in every_engine(engines, loop_engines):
        event.listen(engine, "checkout", _checkout)

    calls, elapsed = await tap_while_down(alice, "Managerial", m)
    assert_told_unavailable(calls, elapsed)
    (resume,) = await alice.command("/start")  # commands too
    assert resume.text == DB_DOWN
    assert await snapshot(sqlite_url) == before

    read_only["on"] = False  # writable again
    assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
    assert await rows(sqlite_url, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "managerial")]


async def test_sqlite_io_error_half_way_through_a_step_writes_nothing(
    sqlite_bot, sqlite_url, engines, loop_engines
):
    """The step's conversation row is updated, then inserting the rating fails: the whole
    transaction is rolled back, so the stored step and ratings still agree."""
    app, alice = sqlite_bot
    m = await at_first_rating(alice)
    before = await snapshot(sqlite_url)
    failing = {"on": True}
    seen: list[str] = []

    def _fail(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.split()[0].upper())
        if failing["on"] and statement.lstrip().upper().startswith("INSERT INTO RATINGS"):
            raise sqlite3.OperationalError("disk I/O error")

    for engine in every_engine(engines, loop_engines):
        event.listen(engine, "before_cursor_execute", _fail)

    calls, elapsed = await tap_while_down(alice, "Managerial", m)
    assert "UPDATE" in seen  # the conversation was already updated in this transaction
    assert_told_unavailable(calls, elapsed)
    assert await snapshot(sqlite_url) == before

    failing["on"] = False
    assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
    assert_carries_on(await alice.press("Administrative", m), m, "Self-assessment · 3/9")
    assert await rows(sqlite_url, RATINGS, user=ALICE) == [
        (FIRST_DOMAIN, "managerial"),
        (SECOND_DOMAIN, "administrative"),
    ]


# -- PostgreSQL -------------------------------------------------------------------------------
class TcpProxy:
    """127.0.0.1:<port> forwarding to PostgreSQL; `stop()` is the server going down (listener
    closed, every connection cut), `start()` on the same port is it coming back. `freeze()`
    is a network partition: connections stay open, new ones are accepted, nothing gets
    through either way until `thaw()`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._flowing.wait()
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                await self._flowing.wait()
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            dst.transport.abort()
            self._writers.discard(dst)


@pytest.fixture
async def pg_url(postgres_url) -> str:
    await upgrade_to_head_async(postgres_url)
    return postgres_url


@pytest.fixture
async def proxy(pg_url):
    u = make_url(pg_url)
    proxy = TcpProxy(u.host or "127.0.0.1", u.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


async def server_pids(engine: AsyncEngine) -> set[int]:
    """Backend pids of the connections in the engine's pool (checked in or out)."""
    pids: set[int] = set()
    for _ in range(2):  # the pool hands out what it has; ask more than once
        async with engine.connect() as conn:
            pids.add(int((await conn.execute(text("select pg_backend_pid()"))).scalar_one()))
    return pids


@pytest.mark.postgres
async def test_postgres_backends_terminated_between_updates(pg_url, rec, engines):
    """An administrator (or a failover) kills the bot's connections: the next update gets a
    fresh connection (pinged on checkout) and the user notices nothing."""
    async with started(build_application(bot_settings(pg_url), request=rec)) as app:
        alice = TgUser(app, rec, user_id=ALICE, first_name="Alice")
        m = await at_first_rating(alice)
        pids = await server_pids(engines[-1])
        killed = await rows(
            pg_url,
            "select pg_terminate_backend(pid) from unnest(cast(:p as int[])) as pid",
            p=sorted(pids),
        )
        assert killed and all(ok for (ok,) in killed)
        assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
    assert await rows(pg_url, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "managerial")]


@pytest.mark.postgres
async def test_postgres_backend_terminated_in_the_middle_of_a_step(pg_url, rec, engines):
    """The conversation row is updated, the rating insert waits on a lock, and the bot's
    backend is terminated right then: the transaction is gone as a whole."""
    admin = create_engine(pg_url, poolclass=pool.NullPool)
    async with started(build_application(bot_settings(pg_url), request=rec)) as app:
        alice = TgUser(app, rec, user_id=ALICE, first_name="Alice")
        m = await at_first_rating(alice)
        before = await snapshot(pg_url)
        async with admin.connect() as conn:
            # An uncommitted rating with the same key makes the bot's insert wait.
            await conn.execute(
                text(
                    "insert into ratings (assessment_id, domain_id, range_id, level, rated_at) "
                    "select max(id), :domain, '', 'strategic', now() from assessments "
                    "where user_id = :user"
                ),
                {"domain": FIRST_DOMAIN, "user": ALICE},
            )
            me = (await conn.execute(text("select pg_backend_pid()"))).scalar_one()
            tap = asyncio.create_task(tap_while_down(alice, "Managerial", m))
            blocked = []
            deadline = time.monotonic() + 10
            while not blocked and time.monotonic() < deadline and not tap.done():
                # (pg_stat_activity is read once per transaction unless the snapshot is cleared)
                await conn.execute(text("select pg_stat_clear_snapshot()"))
                blocked = (
                    await conn.execute(
                        text(
                            "select pid, query from pg_stat_activity "
                            "where :me = any(pg_blocking_pids(pid))"
                        ),
                        {"me": me},
                    )
                ).all()
                await asyncio.sleep(0.02)
            assert blocked, "the bot's rating insert never waited on the lock"
            ((pid, query),) = blocked
            assert "insert into ratings" in query.lower(), query  # (in a one-statement step)
            await conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
            calls, elapsed = await asyncio.wait_for(tap, 10)
            await conn.rollback()
        assert_told_unavailable(calls, elapsed)
        assert await snapshot(pg_url) == before  # neither the step nor the rating

        assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
    await admin.dispose()
    assert await rows(pg_url, RATINGS, user=ALICE) == [(FIRST_DOMAIN, "managerial")]


@pytest.mark.postgres
async def test_postgres_stopped_mid_run_and_started_again(pg_url, proxy, rec):
    via_proxy = make_url(pg_url).set(port=proxy.port).render_as_string(hide_password=False)
    async with started(build_application(bot_settings(via_proxy), request=rec)) as app:
        alice = TgUser(app, rec, user_id=ALICE, first_name="Alice")
        m = await at_first_rating(alice)
        before = await snapshot(pg_url)

        await proxy.stop()  # the server goes down with the bot's connections open
        calls, elapsed = await tap_while_down(alice, "Managerial", m)
        assert_told_unavailable(calls, elapsed)
        (reply,) = await alice.command("/start")
        assert reply.text == DB_DOWN
        assert await snapshot(pg_url) == before

        await proxy.start()  # back, on the same address: no restart of the bot
        assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
        assert_carries_on(await alice.press("Strategic", m), m, "Self-assessment · 3/9")
    assert await rows(pg_url, RATINGS, user=ALICE) == [
        (FIRST_DOMAIN, "managerial"),
        (SECOND_DOMAIN, "strategic"),
    ]


@pytest.mark.postgres
async def test_postgres_partition_answers_within_seconds_and_recovers(pg_url, proxy, rec):
    """The network to PostgreSQL stops answering with the bot's connections open: every
    update (a tap, then the same user's /help) is told "temporarily unavailable" within
    seconds instead of hanging; a reminder sent just before is not sent again; when the
    network is back the same process carries on, nothing lost or doubled."""
    via_proxy = make_url(pg_url).set(port=proxy.port).render_as_string(hide_password=False)
    async with started(build_application(bot_settings(via_proxy), request=rec)) as app:
        alice = TgUser(app, rec, user_id=ALICE, first_name="Alice")
        m = await at_first_rating(alice)
        before = await snapshot(pg_url)
        repo = app.bot_data["runtime"].repo

        proxy.freeze()
        calls, elapsed = await tap_while_down(alice, "Managerial", m)
        assert_told_unavailable(calls, elapsed)
        started_at = time.monotonic()
        (reply,) = await alice.command("/help")
        assert reply.text == DB_DOWN and time.monotonic() - started_at < REPLY_WITHIN

        # A reminder goes out, then the partition strikes before it is recorded as sent.
        proxy.thaw()
        await repo.begin_turn(REMINDED, "Rita")  # someone else: Alice's conversation stays put
        await schedule(repo, REMINDED, datetime.now(UTC) - timedelta(minutes=1), "reassess")
        record = repo.mark_reminder_sent

        async def partitioned(reminder_id: int) -> None:
            proxy.freeze()
            await record(reminder_id)

        unrecorded: set[int] = set()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(repo, "mark_reminder_sent", partitioned)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(
                    send_due_reminders(app.bot, repo, "test", unrecorded=unrecorded), 30
                )
            with pytest.raises(TimeoutError):  # the next run, still partitioned: no stall
                await asyncio.wait_for(
                    send_due_reminders(app.bot, repo, "test", unrecorded=unrecorded), 30
                )
        assert await snapshot(pg_url) == before

        proxy.thaw()  # no restart of the bot
        assert await send_due_reminders(app.bot, repo, "test", unrecorded=unrecorded) == 0
        assert await send_due_reminders(app.bot, repo, "test", unrecorded=unrecorded) == 0
        reminders = [c for c in rec.of("sendMessage") if c.text == REMINDER_TEXT]
        assert len(reminders) == 1  # sent once, recorded once the database answered
        assert await rows(pg_url, "select count(*) from reminders where sent_at is null") == [(0,)]
        assert_carries_on(await alice.press("Managerial", m), m, "Self-assessment · 2/9")
        assert_carries_on(await alice.press("Strategic", m), m, "Self-assessment · 3/9")
    assert await rows(pg_url, RATINGS, user=ALICE) == [
        (FIRST_DOMAIN, "managerial"),
        (SECOND_DOMAIN, "strategic"),
    ]
