"""Every Repository operation, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from bot.storage.changes import (
    UNSET,
    AcceptPrivacy,
    AddCpdEntry,
    CancelReminders,
    ClearRating,
    CompleteAssessment,
    RecordRating,
    ScheduleReminder,
    SetGroupOptIns,
    SetProfile,
    SetTarget,
    StartAssessment,
)
from bot.storage.models import Rating
from bot.storage.records import NoOpenAssessmentError
from bot.storage.repository import FIRST_VERSIONS, Repository
from tests.conftest import FakeClock, Storage, apply, assess, join, schedule

A, B, C = 1001, 1002, 1003
NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def rc(storage: Storage, clock: FakeClock) -> Repository:
    """The repository with a controllable clock."""
    return storage.repository(clock)


async def _count(storage: Storage, table: str) -> int:
    async with storage.engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


# ------------------------------------------------------------------ users


async def test_touch_user_upserts(rc: Repository, clock: FakeClock) -> None:
    assert (await rc.load_snapshot(A)).user is None
    first = clock.now
    await rc.begin_turn(A, "Ann")
    clock.advance(hours=2)
    await rc.begin_turn(A, "Ann B")
    user = (await rc.load_snapshot(A)).user
    assert user is not None
    assert (user.name, user.first_seen, user.last_seen) == ("Ann B", first, clock.now)
    assert user.active and user.privacy_accepted_at is None
    assert user.first_seen.tzinfo is not None


async def test_a_user_seen_again_within_a_minute_is_only_read(
    rc: Repository, clock: FakeClock
) -> None:
    first = clock.now
    await rc.begin_turn(A, "Ann")
    clock.advance(seconds=30)
    assert (await rc.begin_turn(A, "Ann")).user.last_seen == first  # nothing written
    renamed = await rc.begin_turn(A, "Ann B")  # a new name is written at once
    assert (renamed.user.name, renamed.user.last_seen) == ("Ann B", clock.now)
    assert (await rc.load_snapshot(A)).user == renamed.user
    clock.advance(minutes=1)
    await rc.begin_turn(A, "Ann B")
    assert (await rc.load_snapshot(A)).user.last_seen == clock.now


async def test_mark_inactive_and_back(rc: Repository) -> None:
    await rc.begin_turn(A, "Ann")
    await rc.mark_inactive(A)
    assert (await rc.load_snapshot(A)).user.active is False
    await rc.begin_turn(A, "Ann")  # wrote again: unblocked
    assert (await rc.load_snapshot(A)).user.active is True


async def test_accept_privacy_keeps_first_time(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    await apply(rc, A, AcceptPrivacy())
    accepted = clock.now
    clock.advance(days=1)
    await apply(rc, A, AcceptPrivacy())
    assert (await rc.load_snapshot(A)).user.privacy_accepted_at == accepted


async def test_long_name_is_truncated(repo: Repository) -> None:
    await repo.begin_turn(A, "x" * 400)
    assert len((await repo.load_snapshot(A)).user.name) == 255


async def test_datetimes_are_utc_and_naive_rejected(rc: Repository) -> None:
    await rc.begin_turn(A, "Ann")
    local = datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    rid = await schedule(rc, A, local, "checkin")
    [rem] = await rc.pending_reminders(A)
    assert rem.id == rid and rem.due_at == local and rem.due_at.tzinfo == UTC
    assert rem.due_at.hour == 7
    with pytest.raises(ValueError, match="timezone-aware"):
        ScheduleReminder(datetime(2025, 3, 1, 12, 0), "checkin")


# ------------------------------------------------------------------ profile / targets


async def test_set_profile_changes_only_given_fields(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    assert (await rc.load_snapshot(A)).profile is None
    await apply(rc, A, SetProfile(role="Practice manager", career_stage="early"))
    await apply(rc, A, SetProfile(directions=("pcn", "finance")))
    clock.advance(minutes=5)
    await apply(rc, A, SetProfile(years_in_management=3))
    p = (await rc.load_snapshot(A)).profile
    assert p is not None
    assert p.role == "Practice manager" and p.career_stage == "early"
    assert p.directions == ("pcn", "finance") and p.years_in_management == 3
    assert p.updated_at == clock.now and p.targets == {}
    await apply(rc, A, SetProfile(role=None, career_stage=UNSET))
    p = (await rc.load_snapshot(A)).profile
    assert p.role is None and p.career_stage == "early"
    with pytest.raises(ValueError, match="career stage"):
        SetProfile(career_stage="senior")


async def test_targets(repo: Repository) -> None:
    await repo.begin_turn(A, "Ann")
    await apply(repo, A, SetTarget("finance", "managerial"))
    assert (await repo.load_snapshot(A)).profile.targets == {"finance": "managerial"}
    assert (await repo.load_snapshot(A)).profile.role is None  # targets alone make a profile
    await apply(repo, A, SetTarget("finance", "strategic"), SetTarget("people", "administrative"))
    assert (await repo.load_snapshot(A)).profile.targets == {
        "finance": "strategic",
        "people": "administrative",
    }
    with pytest.raises(ValueError, match="unknown level"):
        SetTarget("finance", "expert")


# ------------------------------------------------------------------ assessments


async def test_assessment_lifecycle_and_history(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    first = await assess(rc, A, RecordRating("finance", "not_yet"), complete=False)
    t_fin = clock.advance(minutes=1)
    await apply(
        rc,
        A,
        RecordRating("finance", "administrative", note="budgets"),  # Back + change
        RecordRating("finance", "managerial", range_id="fin-2"),
        RecordRating("people", "strategic"),
    )
    snap = await rc.load_snapshot(A)
    assert snap.open_assessment is not None and snap.open_assessment.id == first
    assert snap.open_assessment.levels == {"finance": "administrative", "people": "strategic"}
    assert snap.open_assessment.range_levels == {("finance", "fin-2"): "managerial"}
    assert await rc.assessment_history(A) == []  # not completed yet

    clock.advance(minutes=10)
    await apply(rc, A, CompleteAssessment())
    with pytest.raises(NoOpenAssessmentError):
        await apply(rc, A, CompleteAssessment())
    with pytest.raises(NoOpenAssessmentError):
        await apply(rc, A, RecordRating("finance", "strategic"))
    assert (await rc.load_snapshot(A)).open_assessment is None

    clock.advance(days=90)
    second = await assess(rc, A, RecordRating("finance", "strategic"), complete=False)
    clock.advance(minutes=3)
    await apply(rc, A, CompleteAssessment())

    history = await rc.assessment_history(A)
    assert [h.id for h in history] == [first, second]
    old, new = history
    assert old.levels == {"finance": "administrative", "people": "strategic"}
    assert old.domain_ratings["finance"].rated_at == t_fin
    assert old.domain_ratings["finance"].range_id is None
    assert old.range_ratings[("finance", "fin-2")].level == "managerial"
    assert old.notes == {("finance", None): "budgets"}
    assert new.levels == {"finance": "strategic"} and new.completed_at == clock.now
    assert old.completed_at < new.started_at


async def test_per_domain_rating_is_unique(storage: Storage) -> None:
    repo = storage.repo
    await repo.begin_turn(A, "Ann")
    aid = await assess(repo, A, complete=False)
    for level in ("not_yet", "managerial", "strategic"):
        await apply(repo, A, RecordRating("finance", level))
        await apply(repo, A, RecordRating("finance", level, range_id="r1"))
    assert await _count(storage, "ratings") == 2
    # the database itself refuses a second per-domain row, not only the repository
    row = {"assessment_id": aid, "domain_id": "finance", "level": "not_yet", "rated_at": NOW}
    with pytest.raises(IntegrityError):
        async with storage.engine.begin() as conn:
            await conn.execute(insert(Rating).values(**row))  # range_id defaults to ""
    async with storage.engine.begin() as conn:
        await conn.execute(insert(Rating).values({**row, "domain_id": "people"}))
    assert await _count(storage, "ratings") == 3


# ------------------------------------------------------------------ snapshot / apply_step


async def test_snapshot_of_unknown_user(repo: Repository) -> None:
    snap = await repo.load_snapshot(A)
    assert (snap.user, snap.profile, snap.conversation, snap.open_assessment) == (
        None,
        None,
        None,
        None,
    )


async def test_apply_step_versions(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    assert (await rc.load_snapshot(A)).conversation is None
    v1 = await rc.apply_step(A, 0, "onboarding", "privacy", {"page": 1})
    assert 1 <= v1 <= FIRST_VERSIONS  # random: no keyboard from an earlier conversation fits
    conv = (await rc.load_snapshot(A)).conversation
    assert (conv.flow, conv.step, conv.payload, conv.version) == (
        "onboarding",
        "privacy",
        {"page": 1},
        v1,
    )
    # a second "first" step is stale now
    assert await rc.apply_step(A, 0, "x", "y", {}, [AcceptPrivacy()]) is None
    assert (await rc.load_snapshot(A)).user.privacy_accepted_at is None

    clock.advance(seconds=5)
    v2 = await rc.apply_step(A, v1, "onboarding", "role", {"nested": {"a": [1, 2]}})
    assert v2 == v1 + 1
    conv = (await rc.load_snapshot(A)).conversation
    assert conv.payload == {"nested": {"a": [1, 2]}}
    assert conv.updated_at == clock.now
    assert await rc.apply_step(A, v1, "onboarding", "stale", {}) is None  # stale: unchanged
    assert (await rc.load_snapshot(A)).conversation.step == "role"
    assert await rc.apply_step(A, v2, "menu", "main", {}) == v2 + 1


async def test_apply_step_applies_every_change(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    due = clock.now + timedelta(days=30)
    v = await rc.apply_step(
        A,
        0,
        "onboarding",
        "done",
        {},
        [
            AcceptPrivacy(),
            SetProfile(role="PM", career_stage="established", directions=("pcn",)),
            SetProfile(years_in_management=7),
            SetTarget("finance", "strategic"),
            StartAssessment(),
            RecordRating("finance", "not_yet"),
            RecordRating("finance", "managerial", note="fixed"),
            RecordRating("finance", "administrative", range_id="fin-1"),
            RecordRating("people", "strategic"),
            ClearRating("people"),
            AddCpdEntry("Budget course", hours=2.5, domain_id="finance", range_id="fin-1"),
            ScheduleReminder(due, "reassess"),
        ],
    )
    first = v
    snap = await rc.load_snapshot(A)
    assert snap.user.privacy_accepted_at == clock.now
    p = snap.profile
    assert (p.role, p.career_stage, p.directions, p.years_in_management) == (
        "PM",
        "established",
        ("pcn",),
        7,
    )
    assert p.targets == {"finance": "strategic"}
    oa = snap.open_assessment
    assert oa.levels == {"finance": "managerial"}
    assert oa.range_levels == {("finance", "fin-1"): "administrative"}
    assert oa.notes == {("finance", None): "fixed"}
    [cpd] = await rc.cpd_entries(A)
    assert (cpd.text, cpd.hours, cpd.domain_id, cpd.range_id) == (
        "Budget course",
        2.5,
        "finance",
        "fin-1",
    )
    [rem] = await rc.pending_reminders(A)
    assert (rem.due_at, rem.kind) == (due, "reassess")

    v = await rc.apply_step(A, v, "assess", "done", {}, [CompleteAssessment(), CancelReminders()])
    assert v == first + 1
    assert (await rc.load_snapshot(A)).open_assessment is None
    [done] = await rc.assessment_history(A)
    assert done.id == oa.id and done.levels == {"finance": "managerial"}
    assert await rc.pending_reminders(A) == []


async def test_apply_step_is_all_or_nothing(repo: Repository) -> None:
    await repo.begin_turn(A, "Ann")
    with pytest.raises(NoOpenAssessmentError):
        await repo.apply_step(
            A,
            0,
            "assess",
            "q1",
            {},
            [SetTarget("finance", "strategic"), RecordRating("finance", "not_yet")],
        )
    snap = await repo.load_snapshot(A)
    assert snap.conversation is None and snap.profile is None  # rolled back
    for change in (ClearRating("finance"), CompleteAssessment()):
        with pytest.raises(NoOpenAssessmentError):
            await repo.apply_step(A, 0, "assess", "q1", {}, [change])
    with pytest.raises(TypeError):
        await repo.apply_step(A, 0, "assess", "q1", {}, ["not a change"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        RecordRating("finance", "guru")


async def test_starting_an_assessment_replaces_the_one_left_open(repo: Repository) -> None:
    await repo.begin_turn(A, "Ann")
    v = await repo.apply_step(A, 0, "assess", "q", {}, [StartAssessment()])
    v = await repo.apply_step(A, v, "assess", "q", {}, [RecordRating("d", "managerial")])
    v = await repo.apply_step(
        A, v, "assess", "q", {}, [StartAssessment(), RecordRating("e", "strategic")]
    )
    snap = await repo.load_snapshot(A)
    assert snap.open_assessment.levels == {"e": "strategic"}
    tables = (await repo.export_user(A))["tables"]
    assert len(tables["assessments"]) == 1  # the abandoned one is not left open for ever
    assert [r["domain_id"] for r in tables["ratings"]] == ["e"]


# ------------------------------------------------------------------ CPD


async def test_cpd_entries_newest_first(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    await rc.begin_turn(B, "Bob")
    for i in range(5):
        clock.advance(days=1)
        await apply(rc, A, AddCpdEntry(f"entry {i}", hours=i or None))
    await apply(rc, B, AddCpdEntry("other user"))
    entries = await rc.cpd_entries(A)
    assert [e.text for e in entries] == [f"entry {i}" for i in reversed(range(5))]
    assert entries[0].logged_at == clock.now and entries[-1].hours is None
    assert [e.text for e in await rc.cpd_entries(A, limit=2)] == ["entry 4", "entry 3"]


# ------------------------------------------------------------------ reminders


async def test_reminders(rc: Repository, clock: FakeClock) -> None:
    await rc.begin_turn(A, "Ann")
    await rc.begin_turn(B, "Bob")
    now = clock.now
    r_past = await schedule(rc, A, now - timedelta(hours=1), "checkin")
    r_now = await schedule(rc, A, now, "reassess")
    r_future = await schedule(rc, A, now + timedelta(days=1), "checkin")
    r_b = await schedule(rc, B, now - timedelta(minutes=1), "checkin")

    assert [r.id for r in await rc.due_reminders(now)] == [r_past, r_b, r_now]
    await rc.mark_inactive(B)  # blocked the bot: nothing to send
    assert [r.id for r in await rc.due_reminders(now)] == [r_past, r_now]
    assert [r.id for r in await rc.due_reminders(now, limit=1)] == [r_past]

    assert await rc.claim_reminder(r_past, "worker-1") is True
    assert await rc.claim_reminder(r_past, "worker-2") is False
    assert [r.id for r in await rc.due_reminders(now)] == [r_now]
    await rc.mark_reminder_sent(r_past)
    assert [r.id for r in await rc.pending_reminders(A)] == [r_now, r_future]

    await apply(rc, A, CancelReminders())
    assert await rc.pending_reminders(A) == []
    await apply(rc, A, CancelReminders())  # nothing left to cancel
    assert await rc.claim_reminder(r_now, "worker-1") is False  # cancelled
    assert [r.id for r in await rc.pending_reminders(B)] == [r_b]


# ------------------------------------------------------------------ groups


async def test_groups(storage: Storage, rc: Repository, clock: FakeClock) -> None:
    chat = -100123
    for uid, name in ((A, "Ann"), (B, "bob"), (C, "Cat")):
        await rc.begin_turn(uid, name)
    await rc.group_seen(chat, "PM network")
    await rc.group_seen(chat, "PM network (renamed)")
    for uid in (A, B, C):
        await join(rc, chat, uid, "PM network (renamed)")
    await join(rc, chat, A, "PM network (renamed)")  # idempotent

    # nobody shares yet
    assert await rc.group_shared_profiles(chat) == []

    # A: two completed assessments, the later one counts; B: none completed; C: not sharing
    await assess(rc, A, RecordRating("finance", "not_yet"))
    clock.advance(days=30)
    a2 = await assess(
        rc,
        A,
        RecordRating("finance", "managerial"),
        RecordRating("finance", "strategic", range_id="fin-1"),
    )
    await assess(rc, B, complete=False)
    await assess(rc, C, RecordRating("people", "strategic"))

    await apply(rc, A, SetGroupOptIns(chat, True))
    await apply(rc, B, SetGroupOptIns(chat, True))
    [shared] = await rc.group_shared_profiles(chat)
    assert (shared.user_id, shared.name, shared.assessment_id) == (A, "Ann", a2)
    assert shared.levels == {"finance": "managerial"} and shared.completed_at == clock.now
    await apply(rc, C, SetGroupOptIns(chat, True))
    assert [p.user_id for p in await rc.group_shared_profiles(chat)] == [A, C]
    await apply(rc, C, SetGroupOptIns(chat, False))
    assert [p.user_id for p in await rc.group_shared_profiles(chat)] == [A]
    assert await rc.group_shared_profiles(-1) == []

    await apply(rc, A, SetGroupOptIns(chat, True, ("finance", "people", "finance")))
    await apply(rc, B, SetGroupOptIns(chat, True, ("finance",)))
    await apply(rc, C, SetGroupOptIns(chat, False, ("people",)))
    # an offer counts while the latest assessment still rates that domain Strategic:
    # A is Managerial in finance now and unrated in people, B has no completed assessment
    assert await rc.group_mentors(chat, "finance") == []
    assert await rc.group_mentors(chat, "people") == [(C, "Cat")]
    clock.advance(days=30)
    await assess(rc, A, RecordRating("finance", "strategic"))
    assert await rc.group_mentors(chat, "finance") == [(A, "Ann")]
    assert await rc.group_mentors(chat, "estates") == []
    await rc.mark_inactive(C)
    assert await rc.group_mentors(chat, "people") == []
    await rc.begin_turn(C, "Cat")  # writing to the bot again makes a user active

    # leaving drops the opt-ins for that group only
    other = -100999
    await join(rc, other, A, "Other network")
    await apply(rc, A, SetGroupOptIns(other, False, ("finance",)))
    assert await rc.leave_group(chat, A) is True
    assert await rc.leave_group(chat, A) is False
    assert await rc.group_mentors(chat, "finance") == []
    assert await rc.group_shared_profiles(chat) == []
    await join(rc, chat, A, "PM network (renamed)")  # rejoining starts without opt-ins
    assert await rc.group_mentors(chat, "people") == [(C, "Cat")]
    assert await rc.group_mentors(other, "finance") == [(A, "Ann")]

    async def chat_row() -> tuple[str, bool]:
        async with storage.engine.connect() as conn:
            q = text("SELECT title, bot_member FROM group_chats WHERE id = :c")
            title, member = (await conn.execute(q, {"c": chat})).one()
            return title, bool(member)

    assert await chat_row() == ("PM network (renamed)", True)
    await rc.group_bot_removed(chat)
    assert await chat_row() == ("PM network (renamed)", False)
    await rc.group_seen(chat, "back")
    assert await chat_row() == ("back", True)


# ------------------------------------------------------------------ engine behaviour


async def test_sqlite_connection_settings(sqlite_storage: Storage) -> None:
    async with sqlite_storage.engine.connect() as conn:

        async def pragma(name: str) -> object:
            return (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()

        assert str(await pragma("journal_mode")).lower() == "wal"
        assert await pragma("foreign_keys") == 1
        assert int(await pragma("busy_timeout")) >= 5000


async def test_child_rows_cascade_with_the_user(storage: Storage) -> None:
    repo = storage.repo
    await repo.begin_turn(A, "Ann")
    await assess(repo, A, RecordRating("finance", "managerial"), complete=False)
    await join(repo, -5, A, "PM network")
    await apply(repo, A, SetGroupOptIns(-5, False, ("finance",)))
    async with storage.engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": A})
    for table in ("assessments", "ratings", "group_members"):
        assert await _count(storage, table) == 0, table
    with pytest.raises(IntegrityError):  # foreign keys are enforced
        await repo.apply_step(B, 0, "menu", "menu", {}, [StartAssessment()])


async def test_group_opt_ins_apply_with_a_step_and_read_back(repo: Repository) -> None:
    await repo.begin_turn(501, "Ana")
    await repo.group_seen(-900, "First5 North")
    assert await repo.group_membership(-900, 501) is None
    first = await repo.apply_step(501, 0, "menu", "menu", {}, [SetGroupOptIns(-900, True)])
    assert await repo.group_membership(-900, 501) is None  # not a member: nothing created
    await join(repo, -900, 501, "First5 North")
    version = await repo.apply_step(
        501, first, "menu", "menu", {}, [SetGroupOptIns(-900, True, ("finance", "finance"))]
    )
    assert version == first + 1
    membership = await repo.group_membership(-900, 501)
    assert membership is not None
    assert (membership.title, membership.share_profile, membership.mentor_domains) == (
        "First5 North",
        True,
        ("finance",),
    )
    await repo.apply_step(501, version, "menu", "menu", {}, [SetGroupOptIns(-900, False)])
    assert await repo.group_mentors(-900, "finance") == []
    assert (await repo.group_membership(-900, 501)).share_profile is False


async def test_begin_turn_records_the_user_and_reads_their_state(repo: Repository) -> None:
    first = await repo.begin_turn(601, "Dee")
    assert first.user is not None and first.user.name == "Dee"
    assert first.conversation is None and first.profile is None
    version = await repo.apply_step(601, 0, "assess", "rate", {"i": 0}, [])
    again = await repo.begin_turn(601, "Dee Renamed")
    assert again.user.name == "Dee Renamed"
    assert again.conversation.step == "rate" and again.conversation.version == version
    assert again.user.last_seen >= first.user.last_seen


async def test_a_released_reminder_can_be_claimed_again(repo: Repository) -> None:
    from datetime import UTC, datetime, timedelta

    await repo.begin_turn(602, "Eve")
    now = datetime.now(UTC)
    rid = await schedule(repo, 602, now - timedelta(minutes=1), "reassess")
    assert await repo.claim_reminder(rid, "a")
    assert not await repo.release_reminder(rid, "b")  # only the claimer can release it
    assert await repo.release_reminder(rid, "a")
    assert await repo.claim_reminder(rid, "b")


async def test_a_claim_from_a_process_that_died_lapses(storage, clock) -> None:
    from datetime import timedelta

    from bot.storage.reminders import CLAIM_TIMEOUT

    repo = storage.repository(clock)
    await repo.begin_turn(603, "Fay")
    rid = await schedule(repo, 603, clock.now - timedelta(minutes=1), "reassess")
    assert await repo.claim_reminder(rid, "dead-process")  # ... which never sends it
    assert await repo.due_reminders(clock.now) == []
    assert not await repo.claim_reminder(rid, "other")
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 1)
    [due] = await repo.due_reminders(clock.now)
    assert due.id == rid and due.claimed_by == "dead-process"
    assert await repo.claim_reminder(rid, "other")
    await repo.mark_reminder_sent(rid)
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 1)
    assert await repo.due_reminders(clock.now) == []  # sent: never again


async def test_member_seen_records_group_user_and_membership_at_once(rc: Repository) -> None:
    await rc.member_seen(-100, "First5 North", A, "Ann")
    await rc.member_seen(-100, "First5 North & East", A, "Ann Smith")  # renamed, both of them
    membership = await rc.group_membership(-100, A)
    user = (await rc.load_snapshot(A)).user
    assert membership is not None and membership.title == "First5 North & East"
    assert membership.share_profile is False  # seen is not opted in
    assert user is not None and user.name == "Ann Smith"
