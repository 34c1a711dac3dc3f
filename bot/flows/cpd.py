"""CPD and evidence log (`/log`): what you did or learned, dated, with hours and what it supports.

`/log TEXT` proposes the domain or range the lookup engine finds in the text and stores the entry
with one tap; `/log` alone lists recent entries (the service reads them) and asks for the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.flows.core import IDLE, INVALID, CommandSpec, Context, FlowState, Outcome, Step, register
from bot.flows.dates import happened_on
from bot.flows.effects import ShowCpdLog
from bot.flows.values import index
from bot.flows.views import View, rows, utf16_clip
from bot.knowledge import KnowledgeBase
from bot.storage.changes import AddCpdEntry
from bot.storage.records import CpdEntryRecord

FLOW = "cpd"
MAX_ENTRY = 1000
MAX_QUERY = 300
MAX_OPTIONS = 4
MAX_BUTTON = 60
SHOWN = 10
TEXT_IN_LIST = 300  # ten entries fit one message
EXAMPLE = 'e.g. "Led the complaints review with the reception team, 2h"'
_HOURS = re.compile(
    r"(?<![\w.,])(\d{1,4}(?:[.,]\d{1,2})?)\s*(hours?|hrs?|h|minutes?|mins?|m)\b", re.IGNORECASE
)

Option = tuple[str, str | None]  # (domain_id, range_id or None)


def parse_hours(text: str) -> float | None:
    """Hours named in the text ("2h", "1.5 hours", "90 min"), or None."""
    found = _HOURS.search(text)
    if found is None:
        return None
    amount = float(found.group(1).replace(",", "."))
    hours = amount / 60 if found.group(2).lower().startswith("m") else amount
    return round(hours, 2) if hours > 0 else None


def supports(kb: KnowledgeBase, domain_id: str | None, range_id: str | None) -> str:
    """What an entry supports, in words: "Range (Domain)", "Domain" or "no domain"."""
    domain = next((d for d in kb.competency.domains if d.id == domain_id), None)
    if domain is None:
        return domain_id or "no domain"
    rng = next((r for r in domain.ranges if r.id == range_id), None)
    return f"{rng.name} ({domain.name})" if rng else domain.name


def _ids(kb: KnowledgeBase, domain_name: str | None, range_name: str | None) -> Option | None:
    """Domain and range names (as the lookup engine gives them) as ids."""
    domains = kb.competency.domains
    domain = next((d for d in domains if d.name.casefold() == (domain_name or "").casefold()), None)
    if range_name:
        for candidate in (domain,) if domain else domains:
            for rng in candidate.ranges:
                if rng.name.casefold() == range_name.casefold():
                    return candidate.id, rng.id
    return (domain.id, None) if domain else None


def _keys(answer: Any) -> list[str]:
    return [c.key for c in answer.candidates]


def _suggestions(text: str, ctx: Context) -> tuple[str, list[Option]]:
    """How sure the lookup engine is ("sure", "guess" or "none") and the ranges or domains it
    finds in the text: its answer first, then its candidates (not its stock examples)."""
    answer = ctx.lookup.ask(" ".join(_HOURS.sub(" ", text).split())[:MAX_QUERY])
    sure = _ids(ctx.kb, answer.domain, answer.range)
    found: list[Option] = [sure] if sure else []
    if _keys(answer) != _keys(ctx.lookup.ask("")):  # "not found" lists the same examples
        for candidate in answer.candidates:
            item = ctx.lookup.resolve(candidate.key)
            option = _ids(ctx.kb, item.domain, item.range) if item is not None else None
            if option and option not in found:
                found.append(option)
    return ("sure" if sure else "guess" if found else "none"), found[:MAX_OPTIONS]


def start(state: FlowState, args: str, ctx: Context) -> Outcome:
    """`/log TEXT` proposes an entry; `/log` alone lists entries and asks what to log."""
    if args.strip():
        return propose(state, args, ctx)
    return Outcome(state.moved("log_text"), effect=ShowCpdLog())


def clean_entry(text: str) -> str:
    """The entry as one line: whitespace collapsed, other control characters (NUL, ESC...)
    dropped. They mean nothing in a log entry, and PostgreSQL refuses NUL in text columns."""
    kept = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(kept.split())[:MAX_ENTRY]


def propose(state: FlowState, text: str, ctx: Context) -> Outcome:
    entry = clean_entry(text)
    if not entry:
        return Outcome(None)  # asks again
    match, options = _suggestions(entry, ctx)
    day = happened_on(entry, ctx.now)
    return Outcome(
        state.moved(
            "log_domain",
            text=entry,
            hours=parse_hours(entry),
            day=day.isoformat() if day else None,
            options=[list(o) for o in options] or [[d.id, None] for d in ctx.kb.competency.domains],
            match=match,
        )
    )


def render_log_text(state: FlowState, ctx: Context) -> View:
    return View(
        f"What did you do or learn? Send it in one message, {EXAMPLE}. "
        'Add the time it took ("2h", "1.5 hours", "90 min") to log hours, and when '
        '("on Tuesday", "last week", "3 March") if it was not today.',
        title="Log CPD / evidence",
        buttons=rows(state.button("Cancel", "x")),
    )


def tap_log_text(state: FlowState, value: str, ctx: Context) -> Outcome:
    return _cancelled(state) if value == "x" else INVALID


def render_log_domain(state: FlowState, ctx: Context) -> View:
    payload = state.payload
    hours = payload["hours"]
    options = [supports(ctx.kb, d, r) for d, r in payload["options"]]
    day = payload.get("day")
    lines = [
        f'"{payload["text"]}"',
        f"Hours: {hours:g}" if hours else "Hours: none given",
        f"Date: {date.fromisoformat(day):%a %d %b %Y}" if day else "Date: today",
    ]
    if payload["match"] == "sure":
        lines.append(f"It looks like evidence for {options[0]}. Is that right?")
        options[0] = f"✓ {options[0]}"
    elif payload["match"] == "guess":
        lines.append("Which does it support? My best guesses:")
    else:
        lines.append("Which domain does it support?")
    buttons = [state.button(utf16_clip(text, MAX_BUTTON), str(n)) for n, text in enumerate(options)]
    layout = [*rows(*buttons), (state.button("No domain", "n"), state.button("Cancel", "x"))]
    return View("\n".join(lines), title="Log CPD / evidence", buttons=tuple(layout))


def tap_log_domain(state: FlowState, value: str, ctx: Context) -> Outcome:
    options = state.payload["options"]
    if value == "x":
        return _cancelled(state)
    if value == "n":
        return _saved(state, None, None, ctx)
    if (picked := index(value, len(options))) is not None:
        domain_id, range_id = options[picked]
        return _saved(state, domain_id, range_id, ctx)
    return INVALID


def _saved(state: FlowState, domain_id: str | None, range_id: str | None, ctx: Context) -> Outcome:
    """Store the entry, then offer evidence, an objective and a reflection (`log_more`)."""
    text, hours = state.payload["text"], state.payload["hours"]
    day = state.payload.get("day")
    hours_part = f" · {hours:g} h" if hours else ""
    when = f"{date.fromisoformat(day):%d %b %Y}" if day else f"{ctx.now:%d %b %Y}"
    change = AddCpdEntry(text, hours, domain_id, range_id, date.fromisoformat(day) if day else None)
    summary = f'"{text}"\n{when}{hours_part} · {supports(ctx.kb, domain_id, range_id)}'
    return Outcome(state.moved("log_more", summary=summary, files=[]), changes=(change,))


def _cancelled(state: FlowState) -> Outcome:
    view = View("Nothing was logged.", title="Cancelled")
    return Outcome(state.moved(IDLE), views=(view,), show_state=False)


def entry_line(kb: KnowledgeBase, entry: CpdEntryRecord) -> str:
    """One entry's heading: date, hours and what it supports."""
    hours = f" · {entry.hours:g} h" if entry.hours else ""
    return f"{entry.day:%d %b %Y}{hours} · {supports(kb, entry.domain_id, entry.range_id)}"


def _clipped(text: str) -> str:
    return utf16_clip(text, TEXT_IN_LIST)


def render_log(kb: KnowledgeBase, entries: Sequence[CpdEntryRecord]) -> View:
    """The most recent entries, newest first."""
    if not entries:
        return View("Nothing logged yet.", title="Your CPD and evidence log")
    blocks = [f"{entry_line(kb, e)}\n{_clipped(e.text)}" for e in entries[:SHOWN]]
    if len(entries) > SHOWN:
        blocks.append(f"(the latest {SHOWN}; /export has them all)")
    return View("\n\n".join(blocks), title="Your CPD and evidence log")


register(
    Step("log_text", FLOW, render_log_text, tap_log_text, propose),
    # an entry may support one of the user's objectives
    Step("log_domain", FLOW, render_log_domain, tap_log_domain, loads=("objectives",)),
    CommandSpec(
        "log",
        start,
        menu="Log CPD or evidence; alone: recent entries",
        help="log CPD or evidence, e.g. /log led the complaints review, 2h (/log alone lists it)",
        usage="log TEXT",
    ),
)
