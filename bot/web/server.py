"""Serving one webhook worker with uvicorn."""

from __future__ import annotations

import uvicorn

from bot.settings import Settings
from bot.web.app import create_app

#: Seconds a stopping worker gives the updates it is handling to finish.
GRACEFUL_SECONDS = 10


def serve(settings: Settings) -> None:
    """Run one worker on WEBHOOK_LISTEN:WEBHOOK_PORT until stopped (SIGTERM or Ctrl-C)."""
    uvicorn.run(
        create_app(settings),
        host=settings.webhook_listen,
        port=settings.webhook_port,
        log_config=None,  # the process's own logging (text or JSON, token redacted)
        access_log=False,  # request lines would carry nothing useful and cost time
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
