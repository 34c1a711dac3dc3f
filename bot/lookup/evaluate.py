"""Judging answers against the labelled query sets: the development set
(`tests/lookup_devset.yaml`, tuned on) and the held-out sets (`tests/lookup_heldout*.yaml`,
never tuned on). An entry with `after` is asked in the context of the answer to `after`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.lookup.answer import Answer
from bot.lookup.engine import LookupEngine

TESTS = Path(__file__).resolve().parents[2] / "tests"
DEVSET = TESTS / "lookup_devset.yaml"
HELD_OUT = (
    TESTS / "lookup_heldout.yaml",
    TESTS / "lookup_heldout_fresh.yaml",
    TESTS / "lookup_heldout_fresh2.yaml",
    TESTS / "lookup_heldout4.yaml",
    TESTS / "lookup_heldout5.yaml",
    TESTS / "lookup_heldout6.yaml",
    TESTS / "lookup_heldout7.yaml",
    TESTS / "lookup_heldout8.yaml",
)
_UNSET = object()
# An overview the framework itself gives as a section is as right as careerbot's overview.
SAME_AS = {
    "overview:directions": "section:career-directions",
    "overview:drivers": "section:career-drivers",
    "overview:roles": "section:common-primary-care-management-roles",
    "overview:core-areas": "section:core-knowledge-skills-and-abilities",
    "overview:career-framework": "section:using-the-framework",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    entry: dict[str, Any]
    ok: bool
    why: str
    confident_wrong: bool  # answered an ambiguous/off-topic query as if sure


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        entries: list[dict[str, Any]] = yaml.safe_load(handle)
    return entries


def _expected_ident(entry: dict[str, Any]) -> str | None:
    if entry.get("range"):
        return str(entry["range"])
    if entry.get("domain"):
        return f"domain:{entry['domain']}"
    topic = entry.get("topic")
    return None if topic is None else str(topic)


def judge(entry: dict[str, Any], answer: Answer, engine: LookupEngine) -> Verdict:
    """Does `answer` meet the entry's expectation?"""
    kind = entry["kind"]
    guarded = kind in ("clarify", "none")
    wrong_sure = guarded and answer.kind not in ("clarify", "none")

    def fail(why: str) -> Verdict:
        return Verdict(entry, False, why, wrong_sure)

    topic, ident = entry.get("topic"), answer.ident
    if topic and ident and (SAME_AS.get(topic) == ident or SAME_AS.get(ident) == topic):
        return Verdict(entry, True, "", False)
    if kind == "compare":
        shown = set(getattr(answer, "compared", ()))
        missing = set(entry["items"]) - shown
        if answer.kind != "compare" or missing:
            return fail(f"kind {answer.kind} ({answer.ident}) does not show {sorted(missing)}")
        return Verdict(entry, True, "", False)
    if answer.kind != kind and not (ident and ident in entry.get("accept", ())):
        return fail(f"kind {answer.kind} ({answer.ident}) != {kind}")
    if kind == "clarify":
        offered = {ident for c in answer.candidates if (ident := engine.resolve(c.key).ident)}
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


def offers_the_item(entry: dict[str, Any], answer: Answer, engine: LookupEngine) -> bool | None:
    """For a question back ("Did you mean…"): is a right item among its buttons? None for
    any other answer. For an ambiguous entry every labelled candidate must be offered."""
    if answer.kind != "clarify":
        return None
    offered = {engine.resolve(c.key).ident for c in answer.candidates}
    if entry["kind"] == "clarify":
        return set(entry.get("candidates", ())) <= offered
    wanted = set(entry.get("items", ())) or {_expected_ident(entry), *entry.get("accept", ())}
    wanted |= {SAME_AS[w] for w in wanted if w in SAME_AS}  # an overview is its own section
    return bool(wanted & offered)


def answer_for(engine: LookupEngine, entry: dict[str, Any]) -> Answer:
    """The engine's answer to the entry, after its `after` query when it has one."""
    if not entry.get("after"):
        return engine.ask(entry["q"])
    previous = engine.ask(entry["after"])
    return engine.ask(entry["q"], context=previous.key)


def evaluate(engine: LookupEngine, entries: list[dict[str, Any]]) -> list[Verdict]:
    return [judge(e, answer_for(engine, e), engine) for e in entries]
