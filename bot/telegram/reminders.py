"""Sending due reminders from PTB's JobQueue, once each, even with several bot processes.

Reminders live in the database, so a restart loses none: the repeating job finds whatever is
due. Each is claimed in the database before sending, so two processes never both send it; the
claim of a process that dies mid-send lapses after ten minutes and another process sends it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import UTC, datetime

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot.flows.callbacks import go_data
from bot.flows.reminders import REMINDER_TEXT
from bot.storage.objectives import objective_of
from bot.storage.repository import Repository
from bot.telegram.context import BotApplication, BotContext

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60
RUN_WITHIN_SECONDS = 45
OBJECTIVE_TEXT = (
    'Your objective "{what}" is due on {due}. How is it going? Log what you did with /log, '
    "and mark it done when it is."
)
CLAIMER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def send_due_reminders(
    bot: Bot,
    repo: Repository,
    claimer: str = CLAIMER,
    now: datetime | None = None,
    unrecorded: set[int] | None = None,
) -> int:
    """Send every due, unclaimed reminder this process manages to claim; returns how many.

    A user who blocked the bot is marked inactive: no more reminders, no retries.
    Telegram asking to slow down (after the rate limiter's own retries) ends this run; any
    other failure is logged and the run goes on with the next user. A reminder whose sending
    failed is released, so a later run tries it again. One sent while the database stopped
    answering stays claimed and goes into `unrecorded`, recorded as sent first thing in the
    next run: never sent twice.
    """
    unrecorded = set() if unrecorded is None else unrecorded
    for reminder_id in sorted(unrecorded):
        await repo.mark_reminder_sent(reminder_id)
        unrecorded.discard(reminder_id)
    sent = 0
    for reminder in await repo.due_reminders(now or datetime.now(UTC)):
        if not await repo.claim_reminder(reminder.id, claimer):
            continue
        text, keyboard = await _message(repo, reminder.kind)
        if text is None:  # its objective was closed or deleted meanwhile: nothing to say
            await repo.mark_reminder_sent(reminder.id)
            continue
        try:
            await bot.send_message(reminder.user_id, text, reply_markup=keyboard)
        except Forbidden:
            log.info("a user blocked the bot; marking them inactive")
            await repo.mark_inactive(reminder.user_id)
            continue
        except RetryAfter:
            log.warning("Telegram asked to slow down; the due reminders wait for the next run")
            await repo.release_reminder(reminder.id, claimer)
            break
        except TelegramError as exc:
            log.warning("could not send a reminder (%s); the next run tries again", exc.message)
            await repo.release_reminder(reminder.id, claimer)
            continue
        unrecorded.add(reminder.id)
        await repo.mark_reminder_sent(reminder.id)
        unrecorded.discard(reminder.id)
        sent += 1
    return sent


def _keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=go_data(command)) for text, command in buttons]]
    )


async def _message(repo: Repository, kind: str) -> tuple[str | None, InlineKeyboardMarkup]:
    """A reminder's text and buttons: re-assess, or an open objective coming due."""
    objective_id = objective_of(kind)
    if objective_id is None:
        return REMINDER_TEXT, _keyboard(("Re-assess now", "assess"), ("Remind me later", "remind"))
    objective = await repo.objective(objective_id)
    buttons = _keyboard(("Update objectives", "objectives"), ("Log evidence", "log"))
    if objective is None or objective.status != "open":
        return None, buttons
    text = OBJECTIVE_TEXT.format(what=objective.what, due=f"{objective.due_on:%d %b %Y}")
    return text, buttons


async def _job(context: BotContext) -> None:
    """One run, over well before the next is due (a run still going makes PTB skip the next);
    every database call in it has its own time limit too."""
    unrecorded = context.bot_data.setdefault("unrecorded_reminders", set())
    repo = context.runtime.repo
    await asyncio.wait_for(
        send_due_reminders(context.bot, repo, unrecorded=unrecorded), RUN_WITHIN_SECONDS
    )


def schedule_reminders(application: BotApplication) -> None:
    """Check for due reminders now and every minute."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _job, interval=CHECK_EVERY_SECONDS, first=1, name="reminders"
        )
