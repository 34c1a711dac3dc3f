"""Two webhook workers behind a load balancer, on PostgreSQL and Redis, one killed mid-burst.

Six people go from /start through onboarding to the ninth rating, their updates posted as
Telegram posts them (with the secret token; each person's next update once the last was
answered) to a round-robin load balancer, so one person's taps alternate between the workers.
Part-way through, one worker is killed with SIGKILL: the requests it held fail over to the other
worker. Afterwards nothing is lost or doubled (every rating as tapped, once; every screen an
edit of the one message), the two workers together never sent faster than the shared limit,
only the first worker called setWebhook, a reminder due before they started went out once, and
the dead worker's /healthz fails.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.knowledge import load_knowledge
from bot.settings import Settings
from bot.storage.engine import create_engine, create_repository
from bot.storage.migrate import upgrade_to_head_async
from bot.vocabulary import LABELS
from tests.conftest import schedule
from tests.e2e.botprocess import button_data, require_emulator
from tests.e2e.emulator import ChatMessage, Emulator, find_free_port
from tests.telegram import updates
from tests.workers.balancer import Balancer
from tests.workers.conftest import REDIS_URL
from tests.workers.workerprocess import WorkerProcess, worker_env

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

SECRET = "two-workers-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
PER_SECOND = 8  # low enough for the burst to reach it
PEOPLE = 6
ONBOARDING = [
    "OK, let's start",
    "Practice manager",
    "Established career",
    "Moving up",
    "Done",
    "Start self-assessment",
]
LEVELS = list(LABELS.values())
KILL_AT = 40  # updates posted before one worker is killed
#: The shared window lets PER_SECOND sends through at once, then the next PER_SECOND a second
#: later, and so on. A place is taken before the request is sent, and on a busy two-core machine
#: (every process of the test sharing it) the request can reach the emulator a few hundred ms
#: later. So sends are counted in windows of two seconds less 400 ms: never more than two
#: seconds' worth. Two workers each limited on their own (2 x PER_SECOND a second together),
#: or no limit at all, send about twice that or more.
WINDOW_MS = 2000 - 400
REMINDED = 5000


def answers_of(person: int) -> list[str]:
    return [LEVELS[(person + i) % len(LEVELS)] for i in range(9)]


class Burst:
    """The people's updates, posted through the balancer; kills `victim` at the KILL_AT-th."""

    def __init__(self, emulator: Emulator, lb_url: str, victim: WorkerProcess) -> None:
        self.emulator = emulator
        self.lb_url = lb_url
        self.victim = victim
        self.posted = 0
        self._lock = threading.Lock()

    def post(self, client: httpx.Client, update: dict) -> None:
        with self._lock:
            self.posted += 1
            if self.posted == KILL_AT:
                self.victim.kill()
        answer = client.post(self.lb_url + "/hook", json=update, headers={HEADER: SECRET})
        assert answer.status_code == 200, answer.text

    def person(self, number: int) -> None:
        who = updates.user(2000 + number, f"Person {number}")
        with httpx.Client(timeout=90) as client:
            self.post(client, updates.command("/start", who))
            for label in ONBOARDING + answers_of(number):
                message = self.only_bot_message(who["id"])
                data = button_data(message, label)
                self.post(client, updates.callback(data, message.raw, who))

    def only_bot_message(self, chat_id: int) -> ChatMessage:
        (message,) = [m for m in self.emulator.chat_messages(chat_id) if m.from_bot]
        return message


def most_sent_in_a_window(actions: list[dict]) -> int:
    times = sorted(a["at_ms"] for a in actions if a.get("chat_id") is not None)
    return max(sum(1 for t in times[i:] if t < start + WINDOW_MS) for i, start in enumerate(times))


def metric(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    return 0.0


def serve_in_thread(balancer: Balancer, port: int) -> uvicorn.Server:
    config = uvicorn.Config(balancer.app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        threading.Event().wait(0.02)
    return server


async def seed_due_reminder(url: str) -> None:
    repo, engine = create_repository(url)
    try:
        await repo.begin_turn(REMINDED, "Rita")
        await schedule(repo, REMINDED, datetime.now(UTC) - timedelta(minutes=1), "reassess")
    finally:
        await engine.dispose()


async def ratings_by_person(url: str) -> dict[int, list[tuple[str, str]]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "select a.user_id, r.domain_id, r.level from ratings r "
                    "join assessments a on a.id = r.assessment_id where r.range_id = '' "
                    "order by a.user_id, r.domain_id"
                )
            )
            found: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for user_id, domain_id, level in rows:
                found[user_id].append((domain_id, level))
            return dict(found)
    finally:
        await engine.dispose()


def run_burst(postgres_url: str, redis_prefix: str, tmp_path: Path) -> tuple:
    """Two workers and the balancer, the burst with the kill; what was seen afterwards."""
    lb_port = find_free_port()
    with Emulator() as emulator:
        env = {
            **worker_env(emulator, postgres_url, REDIS_URL, redis_prefix, lb_port, SECRET),
            "TELEGRAM_MESSAGES_PER_SECOND": str(PER_SECOND),
            "HOME": str(tmp_path),
        }
        workers = [
            WorkerProcess({**env, "LOG_FORMAT": "json"}, find_free_port(), tmp_path / "w0.log"),
            WorkerProcess(env, find_free_port(), tmp_path / "w1.log"),
        ]
        balancer = Balancer([w.url for w in workers])
        lb = serve_in_thread(balancer, lb_port)
        try:
            for worker in workers:
                worker.start()
            burst = Burst(emulator, f"http://127.0.0.1:{lb_port}", victim=workers[0])
            with ThreadPoolExecutor(PEOPLE) as pool:
                for finished in [pool.submit(burst.person, n) for n in range(PEOPLE)]:
                    finished.result()
            dead, alive = workers
            assert not dead.healthy()
            health = httpx.get(alive.url + "/healthz", timeout=5)
            metrics = httpx.get(alive.url + "/metrics", timeout=5).text
            reminders = emulator.bot_actions(REMINDED, "sendMessage")
            webhooks_set = emulator.stats()["calls"].get("setWebhook", 0)
            actions = emulator.bot_actions()
        finally:
            lb.should_exit = True
            outputs = [worker.output() for worker in workers if worker.stop() is not None or 1]
    return balancer, health, metrics, reminders, webhooks_set, actions, outputs, emulator.token


async def test_two_workers_one_killed_mid_burst_lose_and_double_nothing(
    postgres_url, redis_prefix, tmp_path
):
    require_emulator()
    await upgrade_to_head_async(postgres_url)
    await seed_due_reminder(postgres_url)
    outcome = await asyncio.to_thread(run_burst, postgres_url, redis_prefix, tmp_path)
    balancer, health, metrics, reminders, webhooks_set, actions, outputs, token = outcome

    # Each person's taps reached both workers, and the kill made the balancer fail over.
    workers_of: dict[int, set[int]] = defaultdict(set)
    for body, index in balancer.served:
        update = json.loads(body)
        sender = (update.get("message") or update.get("callback_query"))["from"]["id"]
        workers_of[sender].add(index)
    assert all(workers_of[2000 + n] == {0, 1} for n in range(PEOPLE)), dict(workers_of)
    assert balancer.failovers >= 1
    assert (health.status_code, health.json()) == (200, {"database": "ok", "redis": "ok"})

    # Nothing lost, nothing doubled, each person's order kept.
    domains = load_knowledge(Settings(_env_file=None).knowledge_dir).competency.domains
    level_of = {label: level for level, label in LABELS.items()}
    expected = {
        2000 + n: sorted(
            (d.id, level_of[label]) for d, label in zip(domains, answers_of(n), strict=True)
        )
        for n in range(PEOPLE)
    }
    assert await ratings_by_person(postgres_url) == expected
    for n in range(PEOPLE):
        sent = [a for a in actions if a["chat_id"] == 2000 + n and a["method"] == "sendMessage"]
        assert len(sent) == 1, f"person {n}: every screen after the welcome is an edit: {sent}"

    # The shared limit held for both workers together, and was reached.
    assert most_sent_in_a_window(actions) <= 2 * PER_SECOND
    assert metric(metrics, "careerbot_sends_throttled_total") > 0

    # Only the first worker told Telegram where to post.
    assert webhooks_set == 1

    # The reminder due before the workers started went out once.
    assert len(reminders) == 1

    for output in outputs:
        assert token not in output
    assert '"level": "INFO"' in outputs[0]  # LOG_FORMAT=json
