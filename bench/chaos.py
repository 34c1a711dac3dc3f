"""Chaos mode of bench/e2e.py: users keep going while the bot is killed and the database cut off.

`careerbot run` on PostgreSQL (a fresh schema, reached through a TCP proxy) against the Bot
API emulator. N users each go from /start to their plan, acting on whatever the bot shows
last, as a person would: answer the question on screen; after "temporarily unavailable" or
no reply within a while, send /start and carry on from what it offers. Meanwhile the bot
process is killed with SIGKILL at random moments (and started again) and the network to
PostgreSQL stops forwarding for 30 s. Then it reports, from the database and the chats:

- lost: users whose stored ratings differ from the answers they gave (an answer missing),
- doubled: users with more than one assessment, or a rating stored twice,
- unanswered: taps whose callback query the bot never answered (by the end of the run),
- stuck: users who did not reach their plan by the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import pool, text
from sqlalchemy.engine import make_url

from bot.storage.engine import create_engine
from bot.storage.migrate import upgrade_to_head_async
from bot.telegram.handlers import DB_DOWN
from tests.e2e.botprocess import LEVEL_OF, BotProcess
from tests.e2e.emulator import ChatMessage, Emulator
from tests.e2e.test_partition_e2e import ProxyThread

UNANSWERED_AFTER = 15.0
RETRY_AFTER = 8.0
DEADLINE = 600.0
ONBOARDING = {
    "Welcome to careerbot": "OK, let's start",
    "Your role": "Practice manager",
    "Career stage": "Established",
    "All set": "Start self-assessment",
    "Self-assessment · ranges": "No thanks",
    "Targets": "Accept these targets",
    "Welcome back": "Continue",
    "Done": "See my plan",
    "Saved": "See my plan",
    "careerbot": "My plan",
    "Your development plan": "Start self-assessment",  # (no plan yet)
}


def answers_for(n: int) -> list[str]:
    levels = list(LEVEL_OF)
    return [levels[(n * 7 + i * 3) % len(levels)] for i in range(9)]


@dataclass
class ChaosUser:
    http: httpx.AsyncClient
    token: str
    n: int
    actions: int = 0
    slow: int = 0
    pressed: list[str] = field(default_factory=list)
    reached_plan: bool = False

    @property
    def user_id(self) -> int:
        return 20_000 + self.n

    def _who(self) -> dict[str, Any]:
        me = {"id": self.user_id, "is_bot": False, "first_name": f"User{self.n}"}
        return {"from": me, "chat": {**me, "type": "private"}}

    async def _post(self, route: str, **body: Any) -> Any:
        response = await self.http.post(route, json={"token": self.token, **body})
        payload = response.json()
        if not payload.get("ok"):
            raise RuntimeError(f"{route}: {payload.get('description')}")
        return payload["result"]

    async def messages(self) -> list[ChatMessage]:
        raw = await self._post("/chatMessages", chatId=self.user_id)
        return [m for m in (ChatMessage.from_api(r) for r in raw) if m.from_bot]

    @staticmethod
    def _seen(messages: list[ChatMessage]) -> tuple:
        return tuple((m.message_id, m.text, str(m.keyboard)) for m in messages)

    async def answered(self) -> set[str]:
        """The callback query ids the bot has answered in this chat."""
        done = await self._post("/botActions", chatId=self.user_id, method="answerCallbackQuery")
        return {str(a.get("callback_query_id")) for a in done}

    async def _answered(self, query_id: str | None) -> bool:
        return query_id is not None and query_id in await self.answered()

    async def _act(self, send) -> list[ChatMessage]:
        """Do one action; the bot's messages once something visibly changed, or the tap was
        answered on its button (a notice), or as they are when nothing came back in time."""
        before = self._seen(await self.messages())
        self.actions += 1
        query_id = await send()
        deadline = time.monotonic() + UNANSWERED_AFTER
        while time.monotonic() < deadline:
            await asyncio.sleep(0.3)
            now = await self.messages()
            if self._seen(now) != before:
                return now
            if await self._answered(query_id):
                await asyncio.sleep(0.5)  # an edit may follow the answer
                return await self.messages()
        self.slow += 1
        return await self.messages()

    async def command(self, name: str) -> list[ChatMessage]:
        entities = [{"type": "bot_command", "offset": 0, "length": len(name)}]

        async def send() -> None:
            await self._post("/sendCommand", text=name, entities=entities, **self._who())

        return await self._act(send)

    async def press(self, message: ChatMessage, label: str) -> list[ChatMessage]:
        data = next(d for t, d in message.buttons if d and (t.startswith(label) or label in t))

        async def send() -> str:
            sent = await self._post(
                "/sendCallback", message_id=message.message_id, data=data, **self._who()
            )
            self.pressed.append(str(sent["callback_query_id"]))
            return self.pressed[-1]

        return await self._act(send)

    def _next(self, shown: ChatMessage) -> str | None:
        """The button a person answers the message on screen with (None: nothing to press)."""
        title = (shown.text or "").split("\n", 1)[0]
        if title.startswith("Career directions"):
            return "Done" if "✅" in str(shown.buttons) else "▫️ Moving up"
        if title.startswith("Self-assessment · ") and "/9" in title:
            return answers_for(self.n)[int(title.split("· ")[1].split("/")[0]) - 1]
        return next((b for t, b in ONBOARDING.items() if title.startswith(t)), None)

    async def journey(self, deadline: float) -> None:
        shown = await self.command("/start")
        while time.monotonic() < deadline:
            if any(
                (m.text or "").startswith("Your development plan") and "Assessed" in m.text
                for m in shown
            ):
                self.reached_plan = True
                return
            down = bool(shown) and shown[-1].text == DB_DOWN
            last = next((m for m in reversed(shown) if m.keyboard), None)
            label = self._next(last) if last is not None and not down else None
            if label is None or last is None:
                await asyncio.sleep(random.uniform(1, RETRY_AFTER))
                shown = await self.command("/start")
                continue
            before = self._seen(shown)
            try:
                shown = await self.press(last, label)
            except RuntimeError:  # the message changed under the finger (a late edit)
                shown = await self.messages()
                continue
            if self._seen(shown) == before:  # nothing happened: try again from /start
                await asyncio.sleep(random.uniform(1, RETRY_AFTER))
                shown = await self.command("/start")


async def chaos(bot: BotProcess, proxy: ProxyThread, kills: int, partition: float) -> list[str]:
    """Random SIGKILLs (each followed by a restart) and one partition, while users act."""
    events = []
    moments = sorted(random.uniform(5, 60) for _ in range(kills))
    cut_at = random.uniform(10, 40)
    started = time.monotonic()
    cut_done = False
    for moment in moments + [10_000]:
        while not cut_done and started + cut_at <= started + moment:
            await asyncio.sleep(max(0, started + cut_at - time.monotonic()))
            proxy.freeze()
            events.append(f"{time.strftime('%H:%M:%S')} partition for {partition:.0f}s")
            await asyncio.sleep(partition)
            proxy.thaw()
            cut_done = True
        if moment == 10_000:
            break
        await asyncio.sleep(max(0, started + moment - time.monotonic()))
        bot.kill()
        events.append(f"{time.strftime('%H:%M:%S')} kill -9")
        await asyncio.sleep(random.uniform(0.5, 3))
        took = await asyncio.to_thread(bot.start)
        events.append(f"{time.strftime('%H:%M:%S')} polling again ({took:.1f}s to start)")
        await asyncio.sleep(random.uniform(5, 15))  # some service before the next kill
    return events


async def database_problems(url: str, users: list[ChaosUser]) -> tuple[list[int], list[int]]:
    """Users with a lost answer and users with something stored twice."""
    engine = create_engine(url, poolclass=pool.NullPool)
    lost, doubled = [], []
    async with engine.connect() as conn:
        for user in users:
            assessments = (
                await conn.execute(
                    text("select id from assessments where user_id = :u"), {"u": user.user_id}
                )
            ).all()
            ratings = (
                await conn.execute(
                    text(
                        "select r.domain_id, r.level from ratings r join assessments a "
                        "on a.id = r.assessment_id where a.user_id = :u and r.range_id = ''"
                    ),
                    {"u": user.user_id},
                )
            ).all()
            domains = [d for d, _ in ratings]
            if len(assessments) > 1 or len(domains) != len(set(domains)):
                doubled.append(user.n)
            wanted = sorted(LEVEL_OF[a] for a in answers_for(user.n))
            if user.reached_plan and sorted(level for _, level in ratings) != wanted:
                lost.append(user.n)
    await engine.dispose()
    return lost, doubled


async def fresh_schema(server_url: str) -> str:
    schema = f"chaos_{int(time.time())}"
    admin = create_engine(server_url, poolclass=pool.NullPool)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    url = make_url(server_url).update_query_dict({"search_path": schema})
    rendered = url.render_as_string(hide_password=False)
    await upgrade_to_head_async(rendered)
    return rendered


async def drop_schema(url: str) -> None:
    u = make_url(url)
    schema = u.query["search_path"]
    admin = create_engine(u.difference_update_query(["search_path"]), poolclass=pool.NullPool)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


async def run(args: argparse.Namespace, emulator: Emulator, workdir: Path) -> int:
    url = await fresh_schema(args.database_url)
    u = make_url(url)
    try:
        with ProxyThread(u.host or "127.0.0.1", u.port or 5432) as proxy:
            bot = BotProcess(emulator, workdir)
            bot.env["DATABASE_URL"] = u.set(port=proxy.proxy.port).render_as_string(
                hide_password=False
            )
            await asyncio.to_thread(bot.start)
            limits = httpx.Limits(max_connections=args.users + 10)
            started = time.monotonic()
            async with httpx.AsyncClient(
                base_url=emulator.api_url, timeout=30, limits=limits
            ) as http:
                users = [ChaosUser(http, emulator.token, n) for n in range(args.users)]
                deadline = time.monotonic() + DEADLINE
                trouble = asyncio.create_task(chaos(bot, proxy, args.kills, args.partition))
                await asyncio.gather(*(user.journey(deadline) for user in users))
                events = await trouble
                await asyncio.sleep(UNANSWERED_AFTER)  # taps queued at the end get answered
                unanswered = [len(set(user.pressed) - await user.answered()) for user in users]
            elapsed = time.monotonic() - started
            code = bot.stop()
        lost, doubled = await database_problems(url, users)
    finally:
        await drop_schema(url)
    stuck = [user.n for user in users if not user.reached_plan]
    actions = sum(user.actions for user in users)
    slow = sum(user.slow for user in users)
    taps = sum(len(user.pressed) for user in users)
    print(
        f"chaos: {args.users} users, {args.kills} kill -9s, one {args.partition:.0f}s partition "
        f"to PostgreSQL; {actions} user actions in {elapsed:.0f}s; bot exit code {code}"
    )
    for event in events:
        print(f"  {event}")
    print(
        f"lost {len(lost)}, doubled {len(doubled)}, unanswered {sum(unanswered)} (of {taps} "
        f"taps), stuck {len(stuck)} (no plan within {DEADLINE:.0f}s); {slow} actions had no "
        f"visible reply within {UNANSWERED_AFTER:.0f}s (sent while the bot was down or cut "
        "off; the user retried)"
    )
    for name, who in (("lost", lost), ("doubled", doubled), ("stuck", stuck)):
        if who:
            print(f"  {name}: users {who}")
    return 0 if not (lost or doubled or sum(unanswered) or stuck) else 1
