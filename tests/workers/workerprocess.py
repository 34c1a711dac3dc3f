"""`careerbot run` as a webhook worker process, against the Bot API emulator."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.botprocess import CAREERBOT, SETTINGS_VARS, START_TIMEOUT, ChildProcess
from tests.e2e.emulator import Emulator


def worker_env(
    emulator: Emulator, database_url: str, redis_url: str, prefix: str, lb_port: int, secret: str
) -> dict[str, str]:
    """What every worker of one set-up shares: Telegram, the databases, the public address."""
    return {
        **emulator.bot_env(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "WEBHOOK_URL": f"http://127.0.0.1:{lb_port}/hook",
        "WEBHOOK_SECRET": secret,
        "PYTHONUNBUFFERED": "1",
    }


class WorkerProcess(ChildProcess):
    """One worker listening on 127.0.0.1:`port`, its output in `log_path`."""

    stop_timeout = 30.0

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        base = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
        self.env = {**base, **env, "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port)}
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start it and wait until /healthz answers 200; returns the seconds that took."""
        started = time.monotonic()
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [str(CAREERBOT), "run"],
                cwd=self.log_path.parent,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while not self.healthy():
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited early:\n{self.output()}")
            if time.monotonic() > started + START_TIMEOUT:
                raise AssertionError(f"the worker did not become healthy:\n{self.output()}")
            time.sleep(0.1)
        return time.monotonic() - started

    def healthy(self) -> bool:
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False
