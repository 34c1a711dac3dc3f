"""Throughput of webhook workers: one worker, then two, behind the same load balancer, one run.

Each round starts N `careerbot run` webhook workers (WEBHOOK_URL set) on a fresh PostgreSQL
schema and a fresh Redis key prefix, the Bot API emulator, and the tests' round-robin balancer
(tests/workers/balancer.py). --people people at once go from /start through onboarding to
their ninth rating, each posting their next update (as Telegram would, with the secret token)
once the last was answered. Prints updates handled per second and the round trip per update
(posted -> answered, which is after handling) for each number of workers, and checks every
rating arrived.

Telegram's own limit (about 30 messages a second) would cap both rounds at the same rate, so
the shared limit is lifted here (TELEGRAM_MESSAGES_PER_SECOND, --per-second) to measure the
workers themselves.

    python bench/workers.py                  # 1 and 2 workers, 20 people
    python bench/workers.py --people 40 --workers 1 2 3

Needs PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432/test), Redis on 127.0.0.1:6379,
Node.js and the emulator (npm ci --prefix tests/e2e/emulator), and the venv's `careerbot`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import pool, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chaos import drop_schema, fresh_schema  # noqa: E402  (bench/chaos.py)

from bot.storage.engine import create_engine  # noqa: E402
from tests.e2e.botprocess import LEVELS, button_data  # noqa: E402
from tests.e2e.emulator import Emulator, find_free_port  # noqa: E402
from tests.telegram import updates  # noqa: E402
from tests.workers.balancer import Balancer  # noqa: E402
from tests.workers.test_two_workers import HEADER, ONBOARDING, serve_in_thread  # noqa: E402
from tests.workers.workerprocess import WorkerProcess, worker_env  # noqa: E402

SECRET = "bench-workers-secret"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def answers_for(n: int) -> list[str]:
    return [LEVELS[(n * 7 + i * 3) % len(LEVELS)] for i in range(9)]


async def ratings_stored(url: str) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        count = (await conn.execute(text("select count(*) from ratings"))).scalar_one()
    await engine.dispose()
    return int(count)


def person(emulator: Emulator, lb: str, number: int, round_trips: list[float]) -> None:
    who = updates.user(10_000 + number, f"Person {number}")
    lock = threading.Lock()
    with httpx.Client(timeout=120) as client:

        def post(update: dict) -> None:
            started = time.perf_counter()
            answer = client.post(lb + "/hook", json=update, headers={HEADER: SECRET})
            answer.raise_for_status()
            with lock:
                round_trips.append(time.perf_counter() - started)

        post(updates.command("/start", who))
        for label in ONBOARDING + answers_for(number):
            (message,) = [m for m in emulator.chat_messages(who["id"]) if m.from_bot]
            post(updates.callback(button_data(message, label), message.raw, who))


def cpu_seconds(process: WorkerProcess) -> float:
    """User and system CPU time the worker process has used so far (Linux /proc)."""
    assert process.process is not None
    fields = Path(f"/proc/{process.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(workers: int, people: int, per_second: int, workdir: Path) -> dict[str, float]:
    url = asyncio.run(fresh_schema(DATABASE))
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    lb_port = find_free_port()
    processes: list[WorkerProcess] = []
    try:
        with Emulator() as emulator:
            env = {
                **worker_env(emulator, url, REDIS_URL, prefix, lb_port, SECRET),
                "TELEGRAM_MESSAGES_PER_SECOND": str(per_second),
                "LOG_LEVEL": "WARNING",
                "HOME": str(workdir),
            }
            for n in range(workers):
                log = workdir / f"workers{workers}-{n}.log"
                processes.append(WorkerProcess(env, find_free_port(), log))
            for process in processes:
                process.start()
            balancer = Balancer([p.url for p in processes])
            lb = serve_in_thread(balancer, lb_port)
            round_trips: list[float] = []
            cpu_before = sum(cpu_seconds(p) for p in processes)
            started = time.perf_counter()
            with ThreadPoolExecutor(people) as threads:
                jobs = [
                    threads.submit(person, emulator, f"http://127.0.0.1:{lb_port}", n, round_trips)
                    for n in range(people)
                ]
                for job in jobs:
                    job.result()
            elapsed = time.perf_counter() - started
            cpu = sum(cpu_seconds(p) for p in processes) - cpu_before
            lb.should_exit = True
    finally:
        for process in processes:
            process.stop()
    stored = asyncio.run(ratings_stored(url))
    asyncio.run(drop_schema(url))
    ordered = sorted(round_trips)
    return {
        "updates": len(ordered),
        "seconds": elapsed,
        "per_second": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
        "cpu_ms": 1000 * cpu / len(ordered),
        "ratings_ok": stored == 9 * people,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--per-second", type=int, default=100_000)
    args = parser.parse_args()
    print(
        f"{args.people} people, 16 updates each; machine: {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(
        "| workers | updates | seconds | updates/s | p50 ms | p95 ms | worker CPU ms/update "
        "| all ratings stored |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|:--|")
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        for workers in args.workers:
            r = one_round(workers, args.people, args.per_second, Path(tmp))
            print(
                f"| {workers} | {r['updates']:.0f} | {r['seconds']:.1f} | {r['per_second']:.1f} "
                f"| {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['cpu_ms']:.1f} "
                f"| {'yes' if r['ratings_ok'] else 'NO'} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
