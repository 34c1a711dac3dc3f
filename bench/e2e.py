"""Load end to end: the real `careerbot run` process against the Bot API emulator.

N users at once walk /start -> onboarding -> the nine-question self-assessment -> targets ->
their plan, pressing buttons as a person would (each waits to see the bot's reply before the
next press, then thinks for --think seconds). Prints the round trip per user action (the
action sent to the emulator -> the bot's reply visible in the chat) and checks in the SQLite
file that every user reached the plan with all nine ratings stored.

    python bench/e2e.py                      # 50 users, no think time
    python bench/e2e.py --users 10 --think 2
    python bench/e2e.py --think 3 --lockstep # the same pause for everyone: users in step
    python bench/e2e.py --chaos              # 20 users on PostgreSQL, kill -9s, a partition

With --think each user pauses a random time of that mean (exponential, as bench/updates.py)
before each action, the first one included, so the users act independently of each other as
people do. With --lockstep every pause is exactly --think and everyone starts at once: the 50
users then stay in step and tap in waves of 50 at the same moment.

Needs Node.js and the emulator (npm ci --prefix tests/e2e/emulator) and the venv's
`careerbot` (pip install -e .).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.botprocess import CAREERBOT, LEVEL_OF, LEVELS, BotProcess  # noqa: E402
from tests.e2e.emulator import (  # noqa: E402
    INSTALL_HINT,
    ChatMessage,
    Emulator,
    emulator_installed,
    node_available,
)

STEP_TIMEOUT = 120.0


def answers_for(n: int) -> list[str]:
    return [LEVELS[(n * 7 + i * 3) % len(LEVELS)] for i in range(9)]


@dataclass
class Timing:
    kind: str  # "command" or "tap"
    label: str
    seconds: float


@dataclass
class User:
    """One person in their private chat, over the emulator's user-side HTTP routes."""

    http: httpx.AsyncClient
    token: str
    n: int
    poll: float
    think: float
    lockstep: bool = False
    timings: list[Timing] = field(default_factory=list)
    reached_plan: bool = False
    error: str | None = None
    pauses: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.pauses = random.Random(self.n)  # the same pauses in every run

    @property
    def user_id(self) -> int:
        return 10_000 + self.n

    def _who(self) -> dict[str, Any]:
        return {
            "from": {"id": self.user_id, "is_bot": False, "first_name": f"User{self.n}"},
            "chat": {"id": self.user_id, "type": "private", "first_name": f"User{self.n}"},
        }

    async def _post(self, route: str, **body: Any) -> Any:
        response = await self.http.post(route, json={"token": self.token, **body})
        payload = response.json()
        if not payload.get("ok"):
            raise RuntimeError(f"{route}: {payload.get('description')}")
        return payload["result"]

    async def bot_messages(self) -> list[ChatMessage]:
        raw = await self._post("/chatMessages", chatId=self.user_id)
        return [m for m in (ChatMessage.from_api(r) for r in raw) if m.from_bot]

    async def _until(self, check: Callable[[list[ChatMessage]], ChatMessage | None]):
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            found = check(await self.bot_messages())
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"user {self.n}: no reply within {STEP_TIMEOUT}s")
            await asyncio.sleep(self.poll)

    async def pause(self) -> None:
        """A person reading and thinking: `think` s, or a random time of that mean."""
        if self.think:
            random_pause = self.pauses.expovariate(1 / self.think)
            await asyncio.sleep(self.think if self.lockstep else random_pause)

    async def _timed(self, kind: str, label: str, send, check) -> ChatMessage:
        started = time.perf_counter()
        await send()
        found = await self._until(check)
        self.timings.append(Timing(kind, label, time.perf_counter() - started))
        await self.pause()
        return found

    async def start(self) -> int:
        name = "/start"
        entities = [{"type": "bot_command", "offset": 0, "length": len(name)}]

        def welcome(messages: list[ChatMessage]) -> ChatMessage | None:
            for m in messages:
                if m.keyboard and (m.text or "").startswith("Welcome to careerbot"):
                    return m
            return None

        send = lambda: self._post("/sendCommand", text=name, entities=entities, **self._who())  # noqa: E731
        return (await self._timed("command", name, send, welcome)).message_id

    async def tap(self, m: int, label: str, shows: Callable[[ChatMessage], bool]) -> None:
        (before,) = [x for x in await self.bot_messages() if x.message_id == m]
        data = next(
            d for text, d in before.buttons if d and (text.startswith(label) or label in text)
        )

        def changed(messages: list[ChatMessage]) -> ChatMessage | None:
            for x in messages:
                if x.message_id == m and (x.text, x.keyboard) != (before.text, before.keyboard):
                    return x if shows(x) else None
            return None

        async def send() -> None:
            await self._post("/sendCallback", message_id=m, data=data, **self._who())

        await self._timed("tap", label, send, changed)

    async def journey(self) -> None:
        try:
            if not self.lockstep:
                await self.pause()
            m = await self.start()

            def title(text: str) -> Callable[[ChatMessage], bool]:
                return lambda msg: (msg.text or "").startswith(text)

            await self.tap(m, "OK, let's start", title("Your role"))
            await self.tap(m, "Practice manager", title("Career stage"))
            await self.tap(m, "Established", title("Career directions"))
            await self.tap(m, "▫️ Moving up", lambda msg: "✅ Moving up" in str(msg.buttons))
            await self.tap(m, "Done", title("All set"))
            await self.tap(m, "Start self-assessment", title("Self-assessment · 1/9"))
            for i, level in enumerate(answers_for(self.n)):
                nxt = f"Self-assessment · {i + 2}/9" if i < 8 else "Self-assessment · ranges"
                await self.tap(m, level, title(nxt))
            await self.tap(m, "No thanks", title("Targets"))
            await self.tap(m, "✓ Accept these targets", title("Done"))
            await self.see_plan(m)
            self.reached_plan = True
        except Exception as exc:  # noqa: BLE001 - reported per user at the end
            self.error = f"{type(exc).__name__}: {exc}"

    async def see_plan(self, m: int) -> None:
        (done,) = [x for x in await self.bot_messages() if x.message_id == m]
        data = done.callback_data("See my plan")

        def plan(messages: list[ChatMessage]) -> ChatMessage | None:
            for x in messages:
                if x.message_id > m and (x.text or "").startswith("Your development plan"):
                    return x
            return None

        async def send() -> None:
            await self._post("/sendCallback", message_id=m, data=data, **self._who())

        await self._timed("tap", "See my plan", send, plan)


def check_database(db: Path, users: list[User]) -> list[str]:
    """Problems found: a user without exactly one completed assessment with their nine
    ratings, or without nine targets."""
    from bot.knowledge import load_knowledge
    from bot.settings import Settings

    domains = [
        d.id for d in load_knowledge(Settings(_env_file=None).knowledge_dir).competency.domains
    ]
    problems = []
    conn = sqlite3.connect(db)
    try:
        for user in users:
            assessments = conn.execute(
                "select id, completed_at from assessments where user_id = ?", (user.user_id,)
            ).fetchall()
            if len(assessments) != 1 or assessments[0][1] is None:
                problems.append(f"user {user.n}: assessments {assessments}")
                continue
            stored = dict(
                conn.execute(
                    "select domain_id, level from ratings where assessment_id = ? "
                    "and range_id = ''",
                    (assessments[0][0],),
                ).fetchall()
            )
            expected = {
                d: LEVEL_OF[label] for d, label in zip(domains, answers_for(user.n), strict=True)
            }
            if stored != expected:
                problems.append(f"user {user.n}: ratings {stored} != {expected}")
            (targets,) = conn.execute(
                "select count(*) from targets where user_id = ?", (user.user_id,)
            ).fetchone()
            if targets != len(domains):
                problems.append(f"user {user.n}: {targets} targets")
    finally:
        conn.close()
    return problems


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


async def run_users(emulator: Emulator, args: argparse.Namespace) -> tuple[list[User], float]:
    limits = httpx.Limits(max_connections=args.users + 10, max_keepalive_connections=args.users)
    async with httpx.AsyncClient(base_url=emulator.api_url, timeout=30, limits=limits) as http:
        users = [
            User(http, emulator.token, n, args.poll, args.think, args.lockstep)
            for n in range(args.users)
        ]
        started = time.perf_counter()
        await asyncio.gather(*(u.journey() for u in users))
        return users, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.0, help="seconds between actions")
    parser.add_argument(
        "--lockstep", action="store_true", help="every pause exactly --think, all start at once"
    )
    parser.add_argument("--poll", type=float, default=0.02, help="user-side polling interval")
    parser.add_argument("--chaos", action="store_true", help="bench/chaos.py: kills, partition")
    parser.add_argument("--kills", type=int, default=5, help="chaos: kill -9s of the bot")
    parser.add_argument("--partition", type=float, default=30.0, help="chaos: seconds cut off")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://127.0.0.1:5432/test"),
        help="chaos: the PostgreSQL server (a fresh schema is made and dropped)",
    )
    args = parser.parse_args()
    if args.chaos and "--users" not in sys.argv:
        args.users = 20
    if not node_available() or not emulator_installed():
        print(f"needs Node.js and the emulator: {INSTALL_HINT}", file=sys.stderr)
        return 2
    if not CAREERBOT.is_file():
        print(f"{CAREERBOT} is missing: pip install -e . in the venv", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="careerbot-e2e-bench-"))
    try:
        with Emulator() as emulator:
            if args.chaos:
                from bench.chaos import run as run_chaos

                return asyncio.run(run_chaos(args, emulator, workdir))
            bot = BotProcess(emulator, workdir)
            startup = bot.start()
            users, elapsed = asyncio.run(run_users(emulator, args))
            code = bot.stop()
            return report(args, users, elapsed, startup, code, bot)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(args, users: list[User], elapsed: float, startup: float, code, bot) -> int:
    timings = [t for u in users for t in u.timings]
    ordered = sorted(t.seconds for t in timings)
    print(
        f"careerbot run vs telegram-test-api: {args.users} users at once, think {args.think}s "
        f"{'(every pause, all in step)' if args.lockstep else '(mean, random pauses)'}, "
        f"{os.cpu_count()} cores; bot ready in {startup:.1f}s"
    )
    if ordered:
        print(
            f"{len(timings)} user actions in {elapsed:.1f}s ({len(timings) / elapsed:.1f}/s); "
            f"round trip (action sent -> reply visible), ms: p50 {ms(statistics.median(ordered))}"
            f"  p90 {ms(percentile(ordered, 90))}  p99 {ms(percentile(ordered, 99))}"
            f"  max {ms(ordered[-1])}"
        )
        for kind in ("command", "tap"):
            some = sorted(t.seconds for t in timings if t.kind == kind)
            if some:
                print(
                    f"  {kind:8} n={len(some):4}  p50 {ms(statistics.median(some))}"
                    f"  p99 {ms(percentile(some, 99))}"
                )
        print(
            f"  (users poll every {args.poll * 1000:.0f} ms; the bot's sends are paced by PTB's "
            "AIORateLimiter at 30/s overall, Telegram's limit)"
        )
    failed = [u for u in users if not u.reached_plan]
    for user in failed[:10]:
        print(f"user {user.n} did not reach the plan: {user.error}")
    problems = check_database(bot.db, users)
    for problem in problems[:10]:
        print(problem)
    errors = bot.output().count("error while handling")
    ok = not failed and not problems and errors == 0 and code == 0
    print(
        f"check: {len(users) - len(failed)}/{len(users)} users reached their plan; "
        f"{len(users) - len(problems)}/{len(users)} have one completed assessment with their "
        f"9 ratings and 9 targets in the SQLite file; {errors} handler errors; bot exit code "
        f"{code} -> {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
