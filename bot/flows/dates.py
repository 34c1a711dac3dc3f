"""Dates as people type them ("on Tuesday", "last week", "3 March", "15/01/2027"), by dateparser.

`due_date` reads a whole message as a date to come; `happened_on` finds the date phrase inside a
CPD entry and reads it as a day gone by. Both read day before month, as the UK writes it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import dateparser

_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PHRASE = re.compile(
    r"\b(?:"
    rf"(?:on |last |this )?{_WEEKDAY}"
    r"|yesterday|today|last week|last month|(?:a|\d{1,2}) (?:days?|weeks?|months?) ago"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: \d{{4}})?"
    rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?"
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r")\b",
    re.IGNORECASE,
)


def _parse(text: str, now: datetime, prefer: str) -> date | None:
    found = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": prefer,
            "DATE_ORDER": "DMY",
        },
    )
    return found.date() if found else None


def due_date(text: str, now: datetime) -> date | None:
    """A typed due date: a day after today, or None when the text is no date or not ahead."""
    found = _parse(text.strip()[:60], now, "future")
    return found if found and found > now.date() else None


def happened_on(text: str, now: datetime) -> date | None:
    """The day a CPD entry says it happened ("on Tuesday" is the last Tuesday), or None when
    it names no day; never a day after today."""
    match = _PHRASE.search(text)
    if match is None:
        return None
    phrase = re.sub(r"^(?:on|this) ", "", match.group(0), flags=re.IGNORECASE)
    found = _parse(phrase, now, "past")
    return found if found and found <= now.date() else None
