"""Step names and payload keys stored before they were made readable, mapped on read.

A conversation saved under the old names, and a button drawn with an old step name, keep
going: the stored state is read under the new names (saved under them at the next step) and
a tap's step is read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STEP_NAMES: dict[str, str] = {
    "rrate": "range_rate",
    "tpick": "target_pick",
    "tlevel": "target_level",
    "gopt": "group_optin",
    "ysuggest": "years_hint",
    "appr_note": "appr_comment",
    "appr_sign": "sign_off",
    "pdf_org": "pdf_practice",
}
PAYLOAD_KEYS: dict[str, str] = {
    "i": "index",
    "r": "ratings",
    "rr": "range_ratings",
    "j": "range_index",
    "dom": "domain",
    "t": "targets",
    "td": "target_domain",
    "c": "chat",
    "s": "share",
    "m": "mentor",
    "sel": "selected",
    "opts": "options",
    "sid": "share_id",
    "oid": "objective_id",
}


def step_name(step: str) -> str:
    """The step's current name."""
    return STEP_NAMES.get(step, step)


def payload(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The payload under the current keys (and the step it holds to resume, if any)."""
    current = {PAYLOAD_KEYS.get(key, key): value for key, value in stored.items()}
    previous = current.get("prev")
    if isinstance(previous, Mapping) and "step" in previous:
        current["prev"] = {
            "step": step_name(previous["step"]),
            "payload": payload(previous.get("payload") or {}),
        }
    return current
