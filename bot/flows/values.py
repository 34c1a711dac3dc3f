"""Numbers carried in button values (the VALUE of `STEP:VERSION:VALUE`, see `callbacks`)."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"[0-9]{1,9}")


def number(value: str, prefix: str = "") -> int | None:
    """The number after `prefix` in a button value ("d12" with prefix "d": 12), or None when the
    value is not `prefix` followed by ASCII digits only."""
    if not value.startswith(prefix):
        return None
    digits = value[len(prefix) :]
    return int(digits) if _NUMBER.fullmatch(digits) else None


def index(value: str, count: int, prefix: str = "") -> int | None:
    """The position among `count` options a button value names ("2", or "d2" with prefix "d"),
    or None when it names none of them."""
    found = number(value, prefix)
    return found if found is not None and found < count else None
