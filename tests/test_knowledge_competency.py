"""The competency framework in knowledge/ is complete and word for word the seed's."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.knowledge.competency import Level, load_competency
from bot.knowledge.errors import KnowledgeError
from tests.seeds import COMPETENCY_SEED, normalise, seed_text

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


@pytest.fixture(scope="module")
def framework():
    return load_competency(KNOWLEDGE / "competency.yaml")


def seed_rows() -> list[tuple[int, str, str, str, str]]:
    """Every table row of the seed as (domain number, range, admin, managerial, strategic)."""
    rows = []
    domain = 0
    for line in seed_text(COMPETENCY_SEED).splitlines():
        heading = re.match(r"^\s*(\d)\.\s", line)
        if heading:
            domain = int(heading.group(1))
            continue
        cells = line.split("\t")
        if len(cells) == 4 and cells[0] != "Range":
            rows.append((domain, *(normalise(c) for c in cells)))
    return rows


def test_seed_has_84_ranges_and_kb_matches_every_one_word_for_word(framework):
    rows = seed_rows()
    assert len(rows) == 84
    kb_rows = [
        (d.number, normalise(r.name), r.administrative, r.managerial, r.strategic)
        for d in framework.domains
        for r in d.ranges
    ]
    missing = [row[:2] for row in rows if row not in kb_rows]
    extra = [row[:2] for row in kb_rows if row not in rows]
    assert not missing, f"ranges missing or altered: {missing}"
    assert not extra, f"ranges not in the seed: {extra}"
    assert not [k for k, n in Counter(kb_rows).items() if n > 1], "a range is duplicated"


def test_domains_keep_the_seed_names_in_order(framework):
    text = seed_text(COMPETENCY_SEED)
    names = [d.name for d in framework.domains]
    assert len(names) == 9
    for number, name in enumerate(names, start=1):
        assert f"{number}. {name}" in text


def test_repeated_range_names_are_kept_apart_by_id(framework):
    by_name: dict[str, list[str]] = {}
    for d in framework.domains:
        for r in d.ranges:
            by_name.setdefault(r.name, []).append(d.id)
    assert by_name["Resource negotiation"] == ["finance", "population-care"]
    ids = [r.id for r in framework.ranges]
    assert len(ids) == len(set(ids)) == 84
    assert "Project management" in by_name and "Project management (equipment/premises)" in by_name


def test_no_involvement_is_kept_as_content(framework):
    finance = framework.domain("finance")
    drawings = next(r for r in finance.ranges if r.name == "Drawings")
    assert drawings.descriptor(Level.ADMINISTRATIVE) == "No involvement"


def test_every_item_names_its_source(framework):
    for d in framework.domains:
        for r in d.ranges:
            assert r.source.endswith(f"{d.number}. {d.name}")


def test_malformed_yaml_names_file_and_item(tmp_path, framework):
    data = yaml.safe_load((KNOWLEDGE / "competency.yaml").read_text())
    del data["domains"][4]["ranges"][3]["managerial"]
    broken = tmp_path / "competency.yaml"
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as err:
        load_competency(broken)
    message = str(err.value)
    assert str(broken) in message
    assert "domains[4] (Finance).ranges[3] (Insurance)" in message
    assert "managerial" in message


def test_unparsable_yaml_names_the_line(tmp_path):
    broken = tmp_path / "competency.yaml"
    broken.write_text("domains:\n  - id: [unclosed\n")
    with pytest.raises(KnowledgeError, match="line"):
        load_competency(broken)


def test_incomplete_framework_is_refused(tmp_path):
    data = yaml.safe_load((KNOWLEDGE / "competency.yaml").read_text())
    data["domains"] = data["domains"][:8]
    short = tmp_path / "competency.yaml"
    short.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError, match="expected 9"):
        load_competency(short)
