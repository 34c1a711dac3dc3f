"""The lookup engine against its labelled development set (tests/lookup_devset.yaml).

Run with `pytest -q -s tests/test_lookup_devset.py` to see the misses and the accuracy per tag.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.lookup import LookupEngine
from bot.lookup.evaluate import evaluate, load_devset

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
TARGET = 0.97
KINDS = {"competency", "career", "glossary", "clarify", "none"}
TAGS = {
    "direct",
    "typo",
    "shorthand",
    "order",
    "question",
    "compare",
    "domain",
    "describe",
    "glossary",
    "career",
    "ambiguous",
    "offtopic",
}


@pytest.fixture(scope="module")
def engine() -> LookupEngine:
    return LookupEngine(load_knowledge(KNOWLEDGE))


@pytest.fixture(scope="module")
def devset() -> list[dict]:
    return load_devset()


def _known_idents(engine: LookupEngine) -> set[str]:
    return set(engine.by_ident)


def test_devset_is_big_and_varied(devset):
    assert len(devset) >= 300
    tags = Counter(e["tag"] for e in devset)
    assert set(tags) <= TAGS
    assert tags["describe"] >= 80, "at least 80 queries describe work without naming it"
    for tag in ("typo", "shorthand", "compare", "glossary", "ambiguous", "offtopic", "career"):
        assert tags[tag] >= 10, tag
    queries = [e["q"] for e in devset]
    assert len(queries) == len(set(queries)), "duplicate queries"


def test_devset_labels_name_real_items(devset, engine):
    known = _known_idents(engine)
    for entry in devset:
        assert entry["kind"] in KINDS, entry
        wanted = [entry.get("range"), entry.get("topic"), *entry.get("accept", ())]
        if entry.get("domain"):
            wanted.append(f"domain:{entry['domain']}")
        wanted += entry.get("candidates", ())
        for ident in filter(None, wanted):
            assert ident in known, f"{entry['q']!r}: unknown id {ident}"
        if entry["kind"] == "clarify":
            assert len(entry.get("candidates", ())) >= 2, entry
        if entry["kind"] in ("competency", "career", "glossary"):
            assert any(entry.get(k) for k in ("range", "domain", "topic")), entry


def test_devset_accuracy(devset, engine):
    verdicts = evaluate(engine, devset)
    misses = [v for v in verdicts if not v.ok]
    by_tag: dict[str, list[bool]] = {}
    for v in verdicts:
        by_tag.setdefault(v.entry["tag"], []).append(v.ok)
    accuracy = 1 - len(misses) / len(verdicts)
    print(f"\nlookup devset: {len(verdicts) - len(misses)}/{len(verdicts)} = {accuracy:.1%}")
    for tag, oks in sorted(by_tag.items()):
        print(f"  {tag:10} {sum(oks):3d}/{len(oks):3d}")
    for v in misses:
        print(f"  MISS [{v.entry['tag']}] {v.entry['q']!r}: {v.why}")
    sure_but_wrong = [v.entry["q"] for v in verdicts if v.confident_wrong]
    assert not sure_but_wrong, f"confident answers to ambiguous/off-topic queries: {sure_but_wrong}"
    assert accuracy >= TARGET, f"accuracy {accuracy:.1%} below {TARGET:.0%}"
