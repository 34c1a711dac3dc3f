"""Telegram may deliver an update again: the step it stored is then not stored twice.

Polling confirms an update to Telegram only once it has been handled (`bot.telegram.polling`),
so a bot killed between storing a step and that confirmation gets the same update again in
its next process. A tap carries its conversation version and is turned down as stale anyway;
typed text or a command carries nothing of the kind (a reflection's answer would become the
next question's answer too). So the front end says which update is being handled
(`handling`), and the first step an update stores claims the update's number in the same
transaction (`claim`): a second delivery finds it claimed, and its step is stale, so nothing
is stored and nothing said (the first delivery most likely answered: the offset moves only
once the oldest update in flight is handled, so most repeats were answered long before).
Rows are kept a day (Telegram keeps an update no longer), pruned as new ones are claimed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, delete

from bot.storage.direct import built_once
from bot.storage.models import HandledUpdate
from bot.storage.statements import _insert_for, param, params

KEPT = timedelta(days=1)
#: Every this many update numbers, a claim also deletes the rows older than `KEPT`.
PRUNE_EVERY = 100

_handled: Table = HandledUpdate.__table__  # type: ignore[assignment]


@dataclass(slots=True)
class Delivery:
    """The update being handled; `claimed` once one of its steps has claimed it (a reply
    may take more than one step, e.g. a step and the /start that follows it)."""

    update_id: int
    claimed: bool = False


_current: ContextVar[Delivery | None] = ContextVar("delivery", default=None)


@contextmanager
def handling(update_id: int) -> Iterator[Delivery]:
    """While the update `update_id` is handled (in this task and the ones it starts)."""
    delivery = Delivery(update_id)
    token = _current.set(delivery)
    try:
        yield delivery
    finally:
        _current.reset(token)


def current() -> Delivery | None:
    return _current.get()


@cache
def _claim_statement(dialect: str) -> Any:
    h = _handled
    return built_once(
        _insert_for(dialect)(h)
        .values(**params(h, "update_id", "handled_at"))
        .on_conflict_do_nothing(index_elements=[h.c.update_id])
    )


_PRUNE = built_once(delete(_handled).where(_handled.c.handled_at < param(_handled.c.handled_at)))


def claim(conn: Connection, delivery: Delivery, now: datetime) -> bool:
    """Claim the update for the step being stored in `conn`'s transaction; False when an
    earlier delivery of it already stored a step. A delivery claims once."""
    if delivery.claimed:
        return True
    inserted = conn.execute(
        _claim_statement(conn.dialect.name),
        {"b_update_id": delivery.update_id, "b_handled_at": now},
    )
    if inserted.rowcount == 0:
        return False
    if delivery.update_id % PRUNE_EVERY == 0:
        conn.execute(_PRUNE, {"b_handled_at": now - KEPT})
    delivery.claimed = True
    return True
