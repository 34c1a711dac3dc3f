"""Throughput of the whole journey through the real Application, against a bare echo bot.

N simulated users walk concurrently from /start through onboarding, the nine ratings and the
targets to the plan, through `Application.process_update` with a request object that answers
every Bot API call at once (no network). The same number of updates through a bare PTB echo
bot is the floor. Prints updates/s, p50/p99 per update and peak RSS, each engine in its own
process so peak RSS is its own.

    python bench/updates.py                   # SQLite and PostgreSQL, 50 users
    python bench/updates.py --users 200 --engines sqlite
    python bench/updates.py --think 0.1       # latency at a set load: 50 users / 0.1 s = 500/s

With no think time every user's next update follows at once, so the figures are throughput at
saturation (and latency there is queueing: 50 users in flight at N updates/s wait 50/N s on
average). With think time the offered load is users / think, and p50/p99 are the latency a
user sees at that load. CPU ms/upd is the process time (all threads, chart drawing included)
per update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.settings import Settings  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402

TOKEN = "123456:BENCH"
BOT = {"id": 1, "is_bot": True, "first_name": "careerbot", "username": "BenchBot"}
POSTGRES = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
LEVELS = ["Not yet", "Administrative", "Managerial", "Strategic"]


class InstantApi(BaseRequest):
    """Answers every Bot API call at once; remembers each chat's latest keyboard."""

    def __init__(self) -> None:
        self.keyboards: dict[int, list[dict[str, Any]]] = {}
        self.message_id = 0

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
            chat_id = int(params.get("chat_id") or 0)
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if markup and "inline_keyboard" in markup:
                self.keyboards[chat_id] = [b for row in markup["inline_keyboard"] for b in row]
            self.message_id += 1
            result = {
                "message_id": int(params.get("message_id") or self.message_id),
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "text": str(params.get("text", ""))[:50],
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def button(self, chat_id: int, label: str) -> str:
        for button in self.keyboards.get(chat_id, []):
            if label.casefold() in button["text"].casefold() and "callback_data" in button:
                return button["callback_data"]
        raise LookupError(f"no button {label!r} for chat {chat_id}")


class User:
    def __init__(
        self,
        uid: int,
        app: Application,
        api: InstantApi,
        timings: list[float],
        think: float = 0.0,
    ) -> None:
        self.uid, self.app, self.api, self.timings = uid, app, api, timings
        self.update_id = uid * 1000
        self.think, self.pauses = think, random.Random(uid)

    async def _process(self, data: dict[str, Any]) -> None:
        if self.think:  # a person reading and tapping: random pauses of `think` s on average
            await asyncio.sleep(self.pauses.expovariate(1 / self.think))
        self.update_id += 1
        update = Update.de_json({"update_id": self.update_id, **data}, self.app.bot)
        start = time.perf_counter()
        await self.app.process_update(update)
        self.timings.append(time.perf_counter() - start)

    def _who(self) -> dict[str, Any]:
        return {"id": self.uid, "is_bot": False, "first_name": f"User{self.uid}"}

    async def send(self, text: str) -> None:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self._process(
            {
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": self.uid, "type": "private"},
                    "from": self._who(),
                    "text": text,
                    **({"entities": entities} if text.startswith("/") else {}),
                }
            }
        )

    async def tap(self, label: str) -> None:
        data = self.api.button(self.uid, label)
        await self._process(
            {
                "callback_query": {
                    "id": str(uuid.uuid4()),
                    "from": self._who(),
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        "message_id": 5,
                        "date": 0,
                        "text": "x",
                        "chat": {"id": self.uid, "type": "private"},
                    },
                }
            }
        )

    async def journey(self) -> None:
        # Each user rates differently, so no two users' charts are the same picture.
        levels = [random.Random(self.uid * 9 + n).choice(LEVELS) for n in range(9)]
        await self.send("/start")
        for label in (
            "OK, let's start",
            "Practice manager",
            "Established",
            "Moving up",
            "Done",
            "Start self-assessment",
            *levels,
            "No thanks",
            "Accept these targets",
            "See my plan",
        ):
            await self.tap(label)


async def run_journeys(url: str, users: int, think: float) -> tuple[list[float], float, float]:
    settings = Settings(telegram_bot_token=TOKEN, database_url=url, _env_file=None)
    api = InstantApi()
    app = build_application(settings, request=api, rate_limited=False)
    timings: list[float] = []
    async with app:
        await app.post_init(app)
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            *(User(uid, app, api, timings, think).journey() for uid in range(1, users + 1))
        )
        # Charts are drawn by worker threads: their process time is counted in, as it should be.
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        await app.post_shutdown(app)
    return timings, elapsed, cpu


async def run_echo(updates: int, users: int, think: float) -> tuple[list[float], float, float]:
    api = InstantApi()
    app = Application.builder().token(TOKEN).request(api).get_updates_request(api).build()

    async def echo(update: Update, context: Any) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    timings: list[float] = []
    per_user = updates // users
    async with app:
        start, cpu = time.perf_counter(), time.process_time()

        async def walk(uid: int) -> None:
            user = User(uid, app, api, timings, think)
            for _ in range(per_user):
                await user._process(
                    {
                        "message": {
                            "message_id": 1,
                            "date": 0,
                            "chat": {"id": uid, "type": "private"},
                            "from": user._who(),
                            "text": "hello",
                        }
                    }
                )

        await asyncio.gather(*(walk(uid) for uid in range(1, users + 1)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return timings, elapsed, cpu


def figures(name: str, timings: list[float], elapsed: float, cpu: float) -> dict[str, Any]:
    ordered = sorted(timings)
    return {
        "run": name,
        "updates": len(timings),
        "updates_per_s": round(len(timings) / elapsed),
        "cpu_ms": round(cpu / len(timings) * 1000, 3),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def migrate(url: str) -> None:
    """Migrate the database in a process of its own, as `careerbot db upgrade` does (always,
    for PostgreSQL; for SQLite the bot does it itself at its first start, loading Alembic):
    the bot's peak RSS is that of a bot started on a current schema."""
    code = (
        "import sys; from bot.storage.migrate import upgrade_to_head; upgrade_to_head(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, url], cwd=ROOT, check=True)


async def one(engine: str, users: int, think: float) -> dict[str, Any]:
    if engine.endswith("-no-charts"):
        # Attribution only: the same journey with the profile chart not drawn (matplotlib).
        import bot.appraisal.chart  # Conversations._chart looks render_radar up there

        bot.appraisal.chart.render_radar = lambda plan, previous=None: b"PNG"
        engine = engine.removesuffix("-no-charts")
        result = await one(engine, users, think)
        result["run"] += ", no charts"
        return result
    if engine == "echo":
        return figures("PTB echo floor", *await run_echo(users * 18, users, think))
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
            migrate(url)
            run = await run_journeys(url, users, think)
        return figures("careerbot, SQLite", *run)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    import asyncpg

    raw = POSTGRES.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(raw)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES}?search_path={schema}"
    try:
        migrate(url)
        run = await run_journeys(url, users, think)
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()
    return figures("careerbot, PostgreSQL", *run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--engines", default="echo,sqlite,postgres")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause (s) before each of a user's updates; 0: as fast as they are answered",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one(args.one, args.users, args.think))))
        return
    rows = []
    for engine in args.engines.split(","):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                *("--one", engine, "--users", str(args.users), "--think", str(args.think)),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    header = (
        f"{'run':34} {'updates':>8} {'upd/s':>8} {'CPU ms/upd':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'RSS MB':>8}"
    )
    print(f"{args.users} users, think {args.think:g} s, {os.cpu_count()} cores\n{header}")
    for r in rows:
        print(
            f"{r['run']:34} {r['updates']:>8} {r['updates_per_s']:>8} {r['cpu_ms']:>10} "
            f"{r['p50_ms']:>8} {r['p99_ms']:>8} {r['peak_rss_mb']:>8}"
        )
    floor = next((r for r in rows if r["run"].startswith("PTB")), None)
    for r in rows:
        if floor and r is not floor:
            print(
                f"{r['run']}: {r['cpu_ms']:.2f} ms of process time per update, "
                f"{r['cpu_ms'] / floor['cpu_ms']:.1f}x the echo floor's; "
                f"{floor['updates_per_s'] / r['updates_per_s']:.1f}x its time per update"
            )


if __name__ == "__main__":
    main()
