"""Judging answers against the labelled development set (`tests/lookup_devset.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.lookup.answer import Answer
from bot.lookup.engine import LookupEngine

DEVSET = Path(__file__).resolve().parents[2] / "tests" / "lookup_devset.yaml"
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Verdict:
    entry: dict[str, Any]
    ok: bool
    why: str
    confident_wrong: bool  # answered an ambiguous/off-topic query as if sure


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _expected_ident(entry: dict[str, Any]) -> str | None:
    if entry.get("range"):
        return entry["range"]
    if entry.get("domain"):
        return f"domain:{entry['domain']}"
    return entry.get("topic")


def judge(entry: dict[str, Any], answer: Answer, engine: LookupEngine) -> Verdict:
    """Does `answer` meet the entry's expectation?"""
    kind = entry["kind"]
    guarded = kind in ("clarify", "none")
    wrong_sure = guarded and answer.kind not in ("clarify", "none")

    def fail(why: str) -> Verdict:
        return Verdict(entry, False, why, wrong_sure)

    if answer.kind != kind:
        return fail(f"kind {answer.kind} ({answer.ident}) != {kind}")
    if kind == "clarify":
        offered = {engine.resolve(c.key).ident for c in answer.candidates}
        missing = set(entry.get("candidates", ())) - offered
        if missing:
            return fail(f"candidates {sorted(offered)} lack {sorted(missing)}")
        return Verdict(entry, True, "", False)
    if kind == "none":
        return Verdict(entry, True, "", False)
    wanted = {_expected_ident(entry), *entry.get("accept", ())}
    if answer.ident not in wanted:
        return fail(f"answered {answer.ident}")
    if "levels" in entry:
        if sorted(answer.levels) != sorted(entry["levels"]):
            return fail(f"levels {list(answer.levels)} != {entry['levels']}")
    elif (
        entry.get("level", _UNSET) is not _UNSET
        and entry.get("range")
        and answer.level != entry["level"]
    ):
        return fail(f"level {answer.level} != {entry['level']}")
    return Verdict(entry, True, "", False)


def evaluate(engine: LookupEngine, entries: list[dict[str, Any]]) -> list[Verdict]:
    return [judge(e, engine.ask(e["q"]), engine) for e in entries]
