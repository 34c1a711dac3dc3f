"""The semantic index (bot.lookup.semantic): what a user would notice.

Work described in everyday words finds the right range (even where the query shares no word
with its name), the level whose descriptor says it, and the career item; the static model
loads from the package without the network; the same query always gives the same ranking.
Examples are taken from tests/lookup_devset.yaml.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.lookup.items import build_items
from bot.lookup.semantic import MODEL_DIR, SemanticIndex, clean_query, load_model
from bot.lookup.text import STOPWORDS, words

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture(scope="module")
def items():
    return build_items(load_knowledge(KNOWLEDGE))


@pytest.fixture(scope="module")
def index(items) -> SemanticIndex:
    return SemanticIndex(items)


@pytest.fixture(scope="module")
def bare_index(items) -> SemanticIndex:
    """The index with every alias dropped: items are known by their titles and texts only."""
    return SemanticIndex([replace(i, phrases=[(i.title, 1.0)] if i.phrases else []) for i in items])


def top(index: SemanticIndex, query: str) -> tuple[str, str | None]:
    item, level, _ = index.rank(query, k=1)[0]
    return index.items[item].ident, level


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        # The lexical engine asks back on these two (several ranges share their words).
        ("I meet managers from other practices to share ideas", "networking-with-colleagues"),
        (
            "I put our data into spreadsheets so the partners can read it",
            "data-interpretation-manipulation",
        ),
        ("I walk round the building looking for hazards", "risk-assessment"),
        ("I look after the practice leaflet and website", "information"),
        ("I change the alarm codes and keys when staff leave", "security"),
        ("I do the wages every month", "payroll-and-pensions"),
    ],
)
def test_described_task_finds_its_range(index, query, ident):
    assert top(index, query)[0] == ident


@pytest.mark.parametrize(
    ("query", "ident", "level"),
    [
        # No word of these queries is in the range's name: found by meaning, from the level
        # descriptors alone, with every alias of every item dropped.
        ("I do the staff appraisals for the non clinical team", "performance-review", "managerial"),
        ("I sit on the interview panel for new receptionists", "recruitment-and-selection", None),
        ("I settle the accounts and sign cheques within my limit", "invoice-payment", "managerial"),
        (
            "I chase the landlord and contractors about repairs",
            "facilities-management-and-maintenance",
            "managerial",
        ),
        ("I keep up with emails and write briefings for leadership", "core:communications", None),
    ],
)
def test_described_task_found_without_any_alias(bare_index, query, ident, level):
    item = next(i for i in bare_index.items if i.ident == ident)
    assert not (set(words(item.title)) & set(words(query))) - STOPWORDS, "the query names it"
    found, found_level = top(bare_index, query)
    assert found == ident
    if level:
        assert found_level == level


@pytest.mark.parametrize(
    ("query", "ident", "level"),
    [
        ("I process payroll under supervision", "payroll-and-pensions", "administrative"),
        ("I reconcile the quarterly statements", "quarterly-statements", "managerial"),
        ("I give tax planning advice to the partners", "taxation", "strategic"),
    ],
)
def test_described_task_points_to_a_level(index, query, ident, level):
    assert top(index, query) == (ident, level)


@pytest.mark.parametrize(
    ("query", "ident"),
    [
        ("I'm passionate about making a difference", "driver:making-a-difference"),
        ("I want to cut down my hours", "direction:winding-down"),
        ("I want to get better at my current job", "direction:building-up"),
        ("what does PCO stand for", "glossary:pco"),
    ],
)
def test_career_and_glossary_items(index, query, ident):
    assert top(index, query) == (ident, None)


def test_level_words_frame_the_question_not_the_topic(index):
    # "strategic" alone would pull towards "Strategy formulation".
    assert clean_query("petty cash strategic level") == "petty cash"
    assert top(index, "petty cash strategic")[0] == "petty-cash"
    assert index.rank("strategic", k=3) == [], "a level alone names no item"


def test_rank_shape(index, items):
    ranked = index.rank("I book locums when the GPs are away", k=10)
    assert len(ranked) == 10
    scores = [score for _, _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert len({i for i, _, _ in ranked}) == 10, "one entry per item"
    for i, level, score in ranked:
        assert -1.0 <= score <= 1.0 + 1e-6
        assert (level is not None) == (items[i].kind == "range")
    assert len(index.rank("locums", k=len(items) + 5)) == len(items)
    assert index.rank("", k=5) == []
    assert index.rank("   ", k=5) == []
    assert index.rank("locums", k=0) == []


def test_results_are_deterministic(index, items):
    queries = ["I do the wages every month", "moving across", "what is QOF", "fire drills"]
    first = [index.rank(q, k=5) for q in queries]
    again = SemanticIndex(items)
    assert [again.rank(q, k=5) for q in queries] == first
    assert [index.rank(q, k=5) for q in queries] == first


def test_model_loads_from_the_package_offline(monkeypatch, items):
    def no_network(*args, **kwargs):
        raise AssertionError("the semantic index tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    load_model.cache_clear()
    model = load_model(MODEL_DIR)
    index = SemanticIndex(items[:20], model=model)
    assert index.rank(items[0].title, k=1)[0][0] == 0


def test_model_is_small_enough_to_ship():
    files = {p.name: p.stat().st_size for p in MODEL_DIR.iterdir()}
    assert {"model.safetensors", "tokenizer.json", "config.json", "README.md"} <= set(files)
    assert sum(files.values()) <= 8 * 1024 * 1024
    assert "Apache-2.0" in (MODEL_DIR / "README.md").read_text(encoding="utf-8")


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path)
