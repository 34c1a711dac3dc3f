"""Button data: short, within Telegram's 64 bytes, and enough to reject stale or forged taps.

Three forms:
- `STEP:VERSION:VALUE` answers the step the user was at when the button was drawn; it only
  applies while the stored conversation is still at that step and version.
- `k:KEY` asks the lookup engine to show one item; it never expires.
- `go:COMMAND` starts a command, as typing it would; it never expires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.flows.views import MAX_CALLBACK_BYTES

_STEP_TAP = re.compile(r"^([a-z_]{1,12}):(\d{1,9}):([A-Za-z0-9_.\-]{1,40})$")
_LOOKUP = re.compile(r"^k:(.{1,40})$", re.DOTALL)
_GO = re.compile(r"^go:([a-z]{1,12})$")


@dataclass(frozen=True, slots=True)
class StepTap:
    step: str
    version: int
    value: str


@dataclass(frozen=True, slots=True)
class LookupTap:
    key: str


@dataclass(frozen=True, slots=True)
class GoTap:
    command: str


ParsedTap = StepTap | LookupTap | GoTap


def step_data(step: str, version: int, value: str) -> str:
    return _checked(f"{step}:{version}:{value}")


def lookup_data(key: str) -> str:
    return _checked(f"k:{key}")


def go_data(command: str) -> str:
    return _checked(f"go:{command}")


def parse(data: str) -> ParsedTap | None:
    """The tap's meaning, or None when the data is not something this bot draws."""
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    if m := _STEP_TAP.match(data):
        return StepTap(m.group(1), int(m.group(2)), m.group(3))
    if m := _LOOKUP.match(data):
        return LookupTap(m.group(1))
    if m := _GO.match(data):
        return GoTap(m.group(1))
    return None


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data
