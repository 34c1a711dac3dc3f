"""careerbot's own examples of described work (knowledge/examples.yaml): complete, marked as the
bot's words, checked against the frameworks' ids, used for matching and never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, Level, load_knowledge
from bot.knowledge.examples import load_examples
from bot.lookup import LookupEngine

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(scope="module")
def engine(kb):
    return LookupEngine(kb)


def test_every_level_a_range_is_involved_in_has_examples(kb):
    for rng in kb.competency.ranges:
        levels = kb.examples.ranges[rng.id]
        for level in ("administrative", "managerial", "strategic"):
            involved = not rng.descriptor(Level(level)).lower().startswith("no involvement")
            assert bool(getattr(levels, level)) == involved, (rng.id, level)


def test_examples_are_marked_as_careerbots_own_words():
    head = (KNOWLEDGE / "examples.yaml").read_text(encoding="utf-8")[:400]
    assert "CAREERBOT'S OWN WORDS" in head
    assert "authored_by: careerbot" in (KNOWLEDGE / "examples.yaml").read_text(encoding="utf-8")


def test_an_unknown_id_is_refused(tmp_path):
    bad = tmp_path / "examples.yaml"
    bad.write_text(
        'authored_by: careerbot\nranges:\n  petty-cassh:\n    administrative: ["the float"]\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="petty-cassh"):
        load_examples(bad, {"petty-cash"})


@pytest.mark.parametrize(
    ("query", "ident", "level"),
    [
        ("booking cover doctors when a partner is off", "locums", "managerial"),
        ("i top up the float in the office tin", "petty-cash", "administrative"),
        ("want to cut my hours before i retire", "direction:winding-down", None),
        ("i love sorting out knotty problems", "driver:solving-complex-problems", None),
    ],
)
def test_everyday_words_reach_the_item(engine, query, ident, level):
    answer = engine.ask(query)
    assert answer.ident == ident
    if level:
        assert answer.level == level


def test_no_answer_quotes_an_example(kb, engine):
    """Examples help find an item; what is shown is still the framework's own text."""
    shown = []
    for rng in kb.competency.ranges[:20]:
        shown.append(engine.ask(f"{rng.name} all levels").answer.casefold())
    for rng in kb.competency.ranges[:20]:
        for text, _ in kb.examples.for_item(rng.id):
            assert all(text.casefold() not in answer for answer in shown), text
