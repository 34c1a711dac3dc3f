"""Bad input, property-based: any text, command arguments and button data, at every step.

For each step of the journey a SQLite database holding one user at that step is built once
(a template); every Hypothesis example runs on a fresh copy of it, so examples never see each
other's data. Every reply must be valid for Telegram (each message at most 4096 characters
after splitting, HTML that parses as Telegram parses it, button data within 64 bytes) and the
stored data must stay consistent. Forged button data is rejected with a clear notice and
changes nothing. The same properties are then checked on PostgreSQL for the steps that store
what users type, and through the real Application (where the fake Bot API refuses what
Telegram would refuse).
"""

from __future__ import annotations

import itertools
import re
import shutil
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversations import Conversations, Reply, UserRef
from bot.flows.callbacks import GoTap, LookupTap, StepTap, parse
from bot.flows.core import STEPS, FlowState
from bot.flows.events import Command, Tap, Text
from bot.flows.onboarding import ROLES
from bot.flows.router import EXPIRED
from bot.flows.router import read as route
from bot.flows.typed import typed_choice
from bot.flows.views import MAX_CALLBACK_BYTES, MAX_TEXT, View
from bot.storage.changes import AcceptPrivacy, AddObjective, CreateShare
from bot.storage.engine import create_repository
from bot.storage.migrate import upgrade_to_head_async
from bot.storage.records import Membership, Snapshot
from bot.storage.repository import Repository
from bot.telegram.app import build_application
from bot.telegram.handlers import DB_DOWN, FAILED
from bot.telegram.render import messages
from tests.conftest import join
from tests.flowdriver import Driver
from tests.telegram import updates
from tests.telegram.recording import RecordingRequest, parse_html
from tests.telegram.updates import TgUser, bot_settings, started

USER = UserRef(42, "Sam")
OTHER = UserRef(43, "Kim")
GROUP = -100
LEVELS = ["Managerial", "Strategic", "Not yet", "Administrative", "Skip"] * 2
UNRECOGNISED = "Sorry, I don't recognise that button."
NOT_VALID = "That button is not valid here."
GONE = "That item is no longer available."
KNOWN_COMMANDS = [
    "start",
    "help",
    "privacy",
    "ask",
    "cancel",
    "forget",
    "assess",
    "settings",
    "remind",
    "plan",
    "log",
    "progress",
    "objective",
    "objectives",
    "share",
]

# -- what users type ------------------------------------------------------------------------
SPECIALS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07\x08\x1b[31m",
    "\x7f\x85\x9f",
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd",  # RTL mark, Hebrew
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic
    "\u200d",
    "\ufeff",
    "\ufdfa",
    "🙂",
    "👩🏽‍⚕️",
    "🇬🇧",
    "<b>",
    "</b>",
    "<a href='x'>y</a>",
    "<tg-spoiler>",
    "&",
    "&amp;",
    "&#0;",
    "&bogus;",
    "*bold* _it_ `code` ```pre``` [l](http://x) ~s~ ||sp|| \\",
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "%s %d {0} {}",
    "\n",
    "\r\n",
    "\t",
    "/start",
    "/log",
    "@CareerbotTestBot",
    "g-100",
    "g",
    "assess",
    "plan",
    "2h",
    "90 min",
    "1.5 hours",
    "99999h",
]
WORDS = [
    "strategic",
    "managerial",
    "administrative",
    "complaints",
    "infection",
    "control",
    "finance",
    "HR",
    "PCN",
    "IC",
    "IM&T",
    "premises",
    "risk",
    "what",
    "does",
    "mean",
    "for",
    "who",
    "signs",
    "the",
    "cheques",
    "moving",
    "up",
    "early",
    "career",
    "vs",
]
_word = st.one_of(st.sampled_from(SPECIALS), st.sampled_from(WORDS), st.text(max_size=10))
TEXTS = st.one_of(
    st.lists(_word, max_size=12).map(" ".join),
    st.text(max_size=300),
    st.sampled_from(SPECIALS),
    # long: up to 10,000 characters of one repeated piece
    st.builds(
        lambda piece, n: (piece * n)[:10_000],
        st.one_of(st.sampled_from(SPECIALS[1:]), st.text(min_size=1, max_size=4)),
        st.integers(1000, 10_000),
    ),
)
COMMAND_NAMES = st.one_of(
    st.sampled_from(KNOWN_COMMANDS),
    st.text(min_size=1, max_size=40).filter(lambda s: not any(c.isspace() for c in s)),
)
EVENTS = st.one_of(
    TEXTS.map(Text),
    st.builds(Command, COMMAND_NAMES, TEXTS),
)


# -- forged button data -----------------------------------------------------------------
def _not_a_command(data: str) -> bool:
    """`go:assess` is a real button anywhere (as typing /assess); it is not a forgery."""
    tap = parse(data)
    return not (isinstance(tap, GoTap) and tap.command in KNOWN_COMMANDS + ["export"])


STEP_NAMES = sorted(STEPS)
_value = st.from_regex(r"[A-Za-z0-9_.\-]{1,40}", fullmatch=True)
FORGED = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace")),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.builds(
        "{}:{}:{}".format,
        st.one_of(st.sampled_from(STEP_NAMES), st.from_regex(r"[a-z_]{1,12}", fullmatch=True)),
        st.one_of(st.integers(0, 10**9), st.integers(-5, 5), st.just("")),
        st.one_of(_value, st.text(max_size=50)),
    ),
    st.builds("k:{}".format, st.text(max_size=70)),
    st.builds("go:{}".format, st.text(max_size=20)),
    st.text(min_size=65, max_size=300),
).filter(_not_a_command)


# -- how to reach each step --------------------------------------------------------------
ROLE = ("/start", "OK, let's start")
STAGE = (*ROLE, "Practice manager")
DIRS = (*STAGE, "Early")
ONBOARDED = (*DIRS, "Moving up", "Done")
RATED = (*ONBOARDED, "/assess", *LEVELS[:9])
TARGETS = (*RATED, "No thanks")
TPICK = (*TARGETS, "Change a target")
PATHS: dict[str, tuple[str, ...]] = {
    "welcome": ("/start",),
    "role": ROLE,
    "stage": STAGE,
    "years": (*STAGE, "Not sure"),
    "years_hint": (*STAGE, "Not sure", "Under 2 years"),
    "dirs": DIRS,
    "menu": ONBOARDED,
    "resume": (*ONBOARDED, "/assess", "Managerial", "/start"),
    "settings": (*ONBOARDED, "/settings"),
    "forget": (*ONBOARDED, "/forget"),
    "rate": (*ONBOARDED, "/assess", "Managerial", "Strategic"),
    "deeper": RATED,
    "range_rate": (*RATED, "Finance", "Managerial"),
    "targets": TARGETS,
    "target_pick": TPICK,
    "target_level": (*TPICK, "Finance"),
    "log_text": (*ONBOARDED, "/log"),
    "log_domain": (*ONBOARDED, "/log Led the complaints review with reception, 2h"),
    "remind": (*ONBOARDED, "/remind"),
    "group_optin": (
        *ONBOARDED,
        "/assess",
        *["Strategic"] * 9,
        "No thanks",
        "Accept",
        f"/start g{GROUP}",
    ),
}
ASSESSED = (*TARGETS, "Accept")
LOGGED = (*ONBOARDED, "/log Led the complaints review with reception, 2h", "No domain")
OBJECTIVE = (*ASSESSED, "/objective", "1.", "> Write the plan", "> the plan", "1 month")
PATHS |= {
    "obj_gap": (*ASSESSED, "/objective"),
    "obj_what": (*ASSESSED, "/objective", "1."),
    "obj_how": (*ASSESSED, "/objective", "1.", "> Write the plan"),
    "obj_due": (*ASSESSED, "/objective", "1.", "> Write the plan", "> the plan"),
    "obj_list": (*OBJECTIVE, "/objectives"),
    "obj_review": (*OBJECTIVE, "/assess", *LEVELS[:9], "No thanks", "Accept"),
    "log_more": LOGGED,
    "log_obj": (*OBJECTIVE, "/log Led the complaints review, 2h", "No domain", "Link"),
    "log_what": (*LOGGED, "Reflect"),
    "log_sowhat": (*LOGGED, "Reflect", "> It went well"),
    "log_nowwhat": (*LOGGED, "Reflect", "> It went well", "> Calmer complaints"),
    "share": (*ONBOARDED, "/share"),
    "feedback": (*ONBOARDED, "/feedback"),
    "pdf_name": (*ONBOARDED, "/export"),
    "pdf_practice": (*ONBOARDED, "/export", "Use"),
}
SHARE_TOKEN = "T" * 24
SHARED = f"/start p{SHARE_TOKEN}"  # another user's share link, made on the way (see `walk`)
_SHARE_NUMBERS = itertools.count(1)
PATHS |= {
    "appraise": (SHARED,),
    "appr_comment": (SHARED, "Comment on 1"),
    "sign_off": (SHARED, "Sign off"),
}


async def share_of_another(repo: Repository, token: str) -> None:
    """OTHER shares a plan with one objective, by a link with `token`."""
    await repo.begin_turn(OTHER.id, OTHER.name)
    snapshot = await repo.load_snapshot(OTHER.id)
    version = snapshot.conversation.version if snapshot.conversation else 0
    due = datetime(2030, 1, 1, tzinfo=UTC)
    objective = AddObjective("finance", None, "Set the <budget>", "the budget", due.date(), due)
    share = CreateShare(token)
    first = not await repo.objectives(OTHER.id)  # one objective, however many links
    await repo.apply_step(
        OTHER.id, version, "menu", "menu", {}, (objective, share) if first else (share,)
    )


def test_every_step_is_reachable_by_a_path():
    assert set(PATHS) == set(STEPS)


async def walk(service: Conversations, repo: Repository, user: UserRef, path: tuple[str, ...]):
    """Drive `user` along `path` (commands start with a slash, typed text with "> ", the rest
    are button labels)."""
    driver = Driver(service, user)
    for action in path:
        if action.startswith(f"/start g{GROUP}"):
            await join(repo, GROUP, user.id, "Peer <group> & friends")
        if action == SHARED:  # a link of its own: a share link opens once
            token = f"T{next(_SHARE_NUMBERS):023d}"
            await share_of_another(repo, token)
            action = f"/start p{token}"
        if action.startswith("> "):
            await driver.type(action[2:])
        elif action.startswith("/"):
            await driver.command(action)
        else:
            await driver.tap(action)
    return driver


# -- checks ------------------------------------------------------------------------------
def check_reply(reply: Reply) -> None:
    """What the bot sends is something Telegram accepts."""
    assert reply.views or reply.notice, "the user got no reply at all"
    assert len(reply.notice) <= 200
    for view in reply.views:
        for message in messages(view):
            shown = parse_html(message.html)  # raises like Telegram on HTML it cannot parse
            assert shown.strip(), "an empty message"
            assert len(shown) <= MAX_TEXT, f"a message of {len(shown)} characters"
            for row in message.keyboard.inline_keyboard if message.keyboard else ():
                for button in row:
                    assert button.text
                    if button.callback_data is not None:
                        assert 1 <= len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES
        for attachment in view.attachments:
            assert len(attachment.caption) <= 1024 and attachment.content


def _control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


@dataclass(frozen=True)
class Stored:
    """What is stored about a user, for before/after comparisons."""

    step: str | None
    payload: dict
    version: int
    profile: tuple | None
    open_levels: dict
    open_ranges: dict
    completed: int
    cpd: tuple
    targets: dict


@dataclass(frozen=True)
class Read:
    """What is stored, and what the flows read to draw the current step."""

    stored: Stored
    snapshot: Snapshot
    history: tuple
    membership: Membership | None


async def read(repo: Repository, user: UserRef) -> Read:
    snap = await repo.load_snapshot(user.id)
    conv, profile, open_ = snap.conversation, snap.profile, snap.open_assessment
    history = tuple(await repo.assessment_history(user.id))
    entries = await repo.cpd_entries(user.id, limit=1000)
    membership = await repo.group_membership(GROUP, user.id)
    now = Stored(
        step=conv.step if conv else None,
        payload=dict(conv.payload) if conv else {},
        version=conv.version if conv else 0,
        profile=(profile.role, profile.career_stage, profile.directions) if profile else None,
        open_levels=open_.levels if open_ else {},
        open_ranges=open_.range_levels if open_ else {},
        completed=sum(1 for a in history if a.completed_at is not None),
        cpd=tuple((e.text, e.hours, e.domain_id, e.range_id) for e in entries),
        targets=dict(profile.targets) if profile else {},
    )
    return Read(now, snap, history, membership)


async def stored(repo: Repository, user: UserRef) -> Stored:
    return (await read(repo, user)).stored


async def current_view(service: Conversations, user: UserRef, state: Read) -> View:
    """The current step as /start "Continue" draws it (with what a tap there would load)."""
    now = state.stored
    flow_state = FlowState(now.step, now.payload, now.version)
    ctx = service._context(user, state.snapshot, state.history, state.membership)
    turn = route(flow_state, Tap(""))
    ctx = await service._with_extras(ctx, turn.loads, turn.shared)
    return STEPS[now.step].render(flow_state, ctx)


async def check_consistent(service: Conversations, repo: Repository, user: UserRef, kb) -> Stored:
    """The stored state is one the flows can carry on from, and agrees with itself."""
    state = await read(repo, user)
    now = state.stored
    if now.step is not None:
        assert now.step in STEPS, now.step
        check_reply(Reply((await current_view(service, user, state),)))
    flow = STEPS[now.step].flow if now.step in STEPS else None
    if flow == "assess" and now.payload.get("mode") != "settings":
        rated = {d: lv for d, lv in now.payload.get("ratings", {}).items() if lv}
        assert now.open_levels == rated, "ratings stored differ from the conversation's"
        if now.step == "range_rate":
            domain = kb.competency.domains[now.payload["domain"]].id
            for range_id, level in now.payload["range_ratings"].items():
                assert now.open_ranges.get((domain, range_id)) == level
    if now.profile is not None:
        role, stage, directions = now.profile
        assert role is None or role in ROLES
        assert stage is None or stage in {s.id for s in kb.career.stages}
        assert set(directions) <= {d.id for d in kb.career.directions}
    for text, hours, _, _ in now.cpd:
        assert text.strip() and len(text) <= 1000 and not _control(text), repr(text)
        assert hours is None or hours > 0
    return now


def current_buttons(views) -> set[str]:
    return {b.data for v in views for row in v.buttons for b in row if b.data}


# -- per-step templates ------------------------------------------------------------------
_other_buttons: list[str] = []


class World:
    """The knowledge base, the lookup engine and one template database per step.

    (A fixture object with a short repr: Hypothesis prints it with every failing example.)
    """

    def __init__(self, directory: Path, kb, lookup) -> None:
        self.directory, self.kb, self.lookup = directory, kb, lookup
        self.templates: dict[str, Path] = {}
        self.states: dict[str, Read] = {}  # what each template holds about USER
        self.copies = itertools.count()

    def __repr__(self) -> str:
        return "World()"

    async def template(self, step: str) -> Path:
        if step not in self.templates:
            self.templates[step] = await self._build(step)
        return self.templates[step]

    async def _build(self, step: str) -> Path:
        path = self.directory / f"template-{step}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade_to_head_async(url)
        repo, engine = create_repository(url)
        try:
            service = Conversations(repo, self.kb, self.lookup)
            await walk(service, repo, USER, PATHS[step])
            self.states[step] = await read(repo, USER)
            assert self.states[step].stored.step == step
            if not _other_buttons:  # another user's real buttons, from a whole journey
                other = await walk(service, repo, OTHER, PATHS["group_optin"])
                found = {d for r in other.replies for d in current_buttons(r.views)}
                _other_buttons.extend(sorted(d for d in found if isinstance(parse(d), StepTap)))
        finally:
            await engine.dispose()  # checkpoints the WAL into the file
        return path

    @asynccontextmanager
    async def copy(self, step: str) -> AsyncIterator[tuple[Conversations, Repository]]:
        """A fresh copy of the step's template database, with its own service."""
        template = await self.template(step)
        path = self.directory / f"example-{next(self.copies)}.sqlite3"
        shutil.copyfile(template, path)
        repo, engine = create_repository(f"sqlite+aiosqlite:///{path}")
        try:
            yield Conversations(repo, self.kb, self.lookup), repo
        finally:
            await engine.dispose()
            _remove(path)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory, kb, lookup) -> World:
    return World(tmp_path_factory.mktemp("bad-input"), kb, lookup)


_n = st.integers(0, 10**6)
_VALUES = ["0", "1", "3", "4", "9", "99", "-1", "d9", "d99", "m0", "m9", "ok", "no", "yes", "x"]
_VALUES += ["c", "r", "b", "s", "n", "m", "info", "done", "role", "y1", "late", "A" * 40]


def _canonical(value: str) -> str:
    """The value without leading zeros in its number ("00" taps like "0")."""
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", value)


@dataclass(frozen=True)
class Forged:
    """A button press with data the bot never drew for this user at this point.

    `kind`: random data; this step's own code and version with a made-up value; or another
    user's real buttons (from a whole journey, at versions of their own).
    """

    data: str
    kind: str
    n: int

    def resolve(self, now: Stored) -> str:
        if self.kind == "other user":
            return _other_buttons[self.n % len(_other_buttons)]
        if self.kind == "current step":
            value = self.data if parse(f"a:0:{self.data}") else _VALUES[self.n % len(_VALUES)]
            return f"{now.step}:{now.version}:{value}"
        return self.data


FORGED_TAPS = st.builds(
    Forged, FORGED, st.sampled_from(["forged", "current step", "other user"]), _n
)
FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# -- the lookup engine -------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(query=TEXTS)
def test_lookup_answers_any_text_with_valid_messages(lookup, query):
    from bot.flows.answers import render_answer

    answer = lookup.ask(query)
    check_reply(Reply((render_answer(answer),)))
    for candidate in answer.candidates:  # the buttons it offers lead somewhere valid too
        check_reply(Reply((render_answer(lookup.resolve(candidate.key)),)))


# -- every step, SQLite ------------------------------------------------------------------
@pytest.mark.parametrize("step", sorted(PATHS))
@FUZZ
@given(event=st.one_of(TEXTS.map(Text), st.builds(Command, COMMAND_NAMES, TEXTS), FORGED_TAPS))
async def test_any_input_at_any_step(step, event, world):
    """Text, a command with any arguments, or a forged button press, at each step."""
    async with world.copy(step) as (service, repo):
        state = world.states[step]  # as every copy of the template starts
        before = state.stored
        if isinstance(event, Forged):
            await _forged_tap(service, repo, world, state, event.resolve(before))
            return
        shown = (await current_view(service, USER, state)).buttons  # what the user sees
        reply = await service.handle(USER, event)
        check_reply(reply)
        after = await check_consistent(service, repo, USER, world.kb)
        if isinstance(event, Text) and STEPS[step].text is None:
            # Text outside a text step is a question (or a plea to pick a button) unless it
            # names one of the step's buttons: then it changes nothing stored.
            named = typed_choice(event.text, [b for r in shown for b in r])
            if step == "menu" or not isinstance(named, str):
                assert after == before


async def _forged_tap(service, repo, world: World, state: Read, data: str) -> None:
    """The tap is refused with a clear notice (or the item it names is shown), nothing changes."""
    before = state.stored
    tap = parse(data)
    if isinstance(tap, StepTap) and (tap.step, tap.version) == (before.step, before.version):
        taps = [parse(d) for d in current_buttons([await current_view(service, USER, state)])]
        shown = {t.value for t in taps if isinstance(t, StepTap)}
        if _canonical(tap.value) in shown:
            return  # one of the user's own buttons (perhaps with leading zeros): no forgery
    reply = await service.handle(USER, Tap(data))
    check_reply(reply)
    assert await stored(repo, USER) == before, f"{data!r} changed what is stored"
    if isinstance(tap, StepTap) and tap.step in STEPS:
        if (tap.step, tap.version) == (before.step, before.version):
            assert reply.notice == NOT_VALID and not reply.views
        else:
            assert reply.notice == EXPIRED and not reply.views  # on the button, no new message
    elif isinstance(tap, LookupTap):
        if world.lookup.resolve(tap.key).kind == "none":
            assert reply.notice == GONE and not reply.views
        else:
            assert reply.views and not reply.notice
    elif isinstance(tap, GoTap):
        (view,) = reply.views
        assert "I don't know /" in view.body
    else:
        assert reply.notice == UNRECOGNISED and not reply.views


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entry=TEXTS)
async def test_any_log_entry_can_be_exported(entry, world):
    """What users log ends up in the JSON export and the PDF plan, whatever the characters."""
    async with world.copy("menu") as (service, repo):
        await service.handle(USER, Command("log", entry))
        reply = await service.handle(USER, Tap(step_button(await stored(repo, USER), "n")))
        check_reply(reply)
        reply = await service.handle(USER, Command("export"))
        check_reply(reply)
        names = [a.filename for v in reply.views for a in v.attachments]
        assert names == ["careerbot-export.json", "development-plan.pdf"]
        await check_consistent(service, repo, USER, world.kb)


def step_button(now: Stored, value: str) -> str:
    """The data of this step's button with `value` (the step need not show it)."""
    return f"{now.step}:{now.version}:{value}"


# -- PostgreSQL: where what users type is stored -------------------------------------------
@pytest.mark.postgres
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entry=TEXTS, via=st.sampled_from(["command", "text"]))
async def test_any_log_entry_is_stored_on_postgres(entry, via, pg, world):
    """PostgreSQL refuses some text SQLite takes (NUL): whatever is logged, it is stored."""
    service, repo, ids = pg
    kb = world.kb
    user = UserRef(next(ids), "Sam")
    await repo.begin_turn(user.id, user.name)  # a user who accepted the privacy note
    await repo.apply_step(user.id, 0, "menu", "menu", {}, (AcceptPrivacy(),))
    if via == "command":
        reply = await service.handle(user, Command("log", entry))
    else:
        check_reply(await service.handle(user, Command("log")))
        reply = await service.handle(user, Text(entry))
    check_reply(reply)
    now = await check_consistent(service, repo, user, kb)
    if now.step == "log_domain":
        check_reply(await service.handle(user, Tap(step_button(now, "0"))))
        after = await check_consistent(service, repo, user, kb)
        assert len(after.cpd) == 1 and after.step == "log_more"  # evidence, reflection next
    check_reply(await service.handle(user, Command("ask", entry)))
    check_reply(await service.handle(user, Command("start", entry)))
    await check_consistent(service, repo, user, kb)


@pytest.fixture
async def pg(postgres_url, world):
    await upgrade_to_head_async(postgres_url)
    repo, engine = create_repository(postgres_url)
    try:
        yield Conversations(repo, world.kb, world.lookup), repo, itertools.count(1000)
    finally:
        await engine.dispose()


# -- through the Application ---------------------------------------------------------------
@pytest.fixture
def rec() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def app(sqlite_url, rec):
    """The bot without PTB's rate limiter (30 messages/s would dominate these runs)."""
    application = build_application(bot_settings(sqlite_url), request=rec, rate_limited=False)
    async with started(application) as app:
        yield app


_tg_ids = itertools.count(5000)
_at_rate: dict[int, TgUser] = {}


async def tg_user_at_rate(app, rec) -> TgUser:
    """A user in the self-assessment at 2/9 (one rating stored), one per Application."""
    if id(app) in _at_rate:
        return _at_rate[id(app)]
    user = TgUser(app, rec, user_id=next(_tg_ids), first_name="Sam")
    (welcome,) = await user.command("/start")
    for label in ("OK, let's start", "Practice manager", "Early", "Moving up", "Done"):
        await user.press(label, welcome.message_id)
    await user.press("Start self-assessment", welcome.message_id)
    await user.press("Managerial", welcome.message_id)
    _at_rate.clear()
    _at_rate[id(app)] = user
    return user


def assert_all_accepted(calls) -> None:
    """Telegram accepted every call, and no handler failed (the error reply never appears)."""
    assert all(c.ok for c in calls), [c for c in calls if not c.ok]
    assert not [c for c in calls if c.text in (FAILED, DB_DOWN)], calls


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXTS.filter(lambda s: s != ""), as_command=st.booleans(), name=COMMAND_NAMES)
async def test_any_message_through_the_application(app, rec, text, as_command, name):
    """Real updates through PTB's handlers; the fake Bot API refuses what Telegram would."""
    user = TgUser(app, rec, user_id=next(_tg_ids), first_name="Sam")
    calls = await user.command("/start")
    if as_command:
        calls = await user.feed(updates.command(f"/{name} {text}", user.user))
    else:
        calls = await user.send(text)
    assert_all_accepted(calls)
    if not (as_command and "@" in name):  # a command for another bot is ignored
        assert calls, "no reply"
    assert_all_accepted(await user.command("/start"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=FORGED.filter(lambda d: d != ""))
async def test_forged_taps_through_the_application(app, rec, sqlite_url, data):
    user = await tg_user_at_rate(app, rec)
    version = "select version from conversations where user_id = ?"
    ratings = "select count(*) from ratings r join assessments a on a.id = r.assessment_id "
    ratings += "where a.user_id = ?"
    before = [updates.query_db(sqlite_url, sql, user.chat_id) for sql in (version, ratings)]
    message_id = user.latest()["message_id"]
    calls = await user.tap_data(data, message_id)
    assert_all_accepted(calls)
    assert calls[0].method == "answerCallbackQuery"
    assert "editMessageText" not in [c.method for c in calls], "a forged tap edited the message"
    tap = parse(data)
    if not isinstance(tap, LookupTap | GoTap):
        # (no text: this user was shown a notice moments ago, and one is enough)
        assert calls[0].params.get("text") in (UNRECOGNISED, NOT_VALID, EXPIRED, None), calls
    after = [updates.query_db(sqlite_url, sql, user.chat_id) for sql in (version, ratings)]
    assert after == before, f"{data!r} changed what is stored"
