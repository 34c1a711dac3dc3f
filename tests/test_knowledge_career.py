"""The career framework, glossary and mapping in knowledge/ are complete and the seed's words.

Each check reads the seed itself (../shared/seeds/001_026db9d4d2bd810c.txt): counts are taken
from the seed's tables, not from the YAML, and every quoted text must be found in the seed
after whitespace normalisation and the small set of extraction-damage fixes in `FIXES`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.knowledge.career import CareerFramework, load_career
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.glossary import load_glossary
from bot.knowledge.mapping import DOMAIN_IDS, load_mapping
from tests.seeds import CAREER_SEED, COMPETENCY_SEED, normalise, seed_text

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
CAREER_YAML = KNOWLEDGE / "career.yaml"
GLOSSARY_YAML = KNOWLEDGE / "glossary.yaml"
MAPPING_YAML = KNOWLEDGE / "mapping.yaml"

# The only repairs the transcription makes to the seed's text (extraction damage).
FIXES: tuple[tuple[str, str], ...] = (
    (r"Franslating", "Translating"),
    (r"dayto-day", "day-to-day"),
    (r"O'\tverall", "Overall"),  # stray "O'" split from "Overall"
    (r"</?u>", ""),  # underline markup around "Additional Roles Reimbursement Scheme"
    (r"(?m)^\s*-\s+", ""),  # "- " list bullets
    (r"[·•]", ""),  # "·" and "•" bullets
)

# Uppercase tokens in the seeds that are not abbreviations the glossary needs to explain.
GLOSSARY_IGNORE = {
    "PR00411",  # the publication reference number, not an abbreviation
    "NB",  # editorial "nota bene" in "[NB: There will be no PGEA from 1 April 2004]"
}


def fixed(text: str) -> str:
    for pattern, replacement in FIXES:
        text = re.sub(pattern, replacement, text)
    return text


@pytest.fixture(scope="module")
def raw() -> str:
    return seed_text(CAREER_SEED)


@pytest.fixture(scope="module")
def seed(raw: str) -> str:
    """The whole seed, repaired and whitespace-normalised."""
    return normalise(fixed(raw))


@pytest.fixture(scope="module")
def lines(raw: str) -> list[str]:
    return fixed(raw).splitlines()


@pytest.fixture(scope="module")
def career() -> CareerFramework:
    return load_career(CAREER_YAML)


def between(lines: list[str], start: str, end: str) -> list[str]:
    """The seed lines after the first line starting with `start`, up to one starting with `end`."""
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    out = []
    for line in lines[first + 1 :]:
        if line.strip().startswith(end):
            break
        out.append(line)
    return out


def table_rows(lines: list[str]) -> list[tuple[str, str]]:
    """(first cell, rest) per row; lines without a first cell continue the previous row."""
    rows: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) >= 2 and cells[0].strip():
            rows.append([cells[0], " ".join(cells[1:])])
        elif rows:
            rows[-1][1] += " " + line
    return [(normalise(a), normalise(b)) for a, b in rows]


def segment(seed: str, start: str, end: str) -> str:
    begin = seed.index(start)
    return seed[begin : seed.index(end, begin)]


# ------------------------------------------------------------------------------ document


def test_document_identity(career, seed):
    doc = career.document
    assert doc.id == "001_026db9d4d2bd810c"
    assert doc.publisher == "NHS England"
    assert doc.reference == "PR00411" and f"Publication reference: {doc.reference}" in seed
    assert doc.title in seed and doc.date in seed


def test_every_yaml_file_says_at_the_top_that_aliases_are_careerbots_words():
    for path in (CAREER_YAML, GLOSSARY_YAML, MAPPING_YAML):
        header = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            header.append(line.lower())
        text = " ".join(header)
        assert "careerbot" in text and "aliases" in text, path.name


# ---------------------------------------------------------------------------- directions


def test_all_7_directions_with_their_outcomes_word_for_word(career, lines, seed):
    seed_rows = table_rows(
        between(lines, "Career direction\tOutcomes", "Core knowledge, skills and abilities")
    )
    assert len(seed_rows) == 7
    kb_rows = [(d.title, normalise(d.outcome)) for d in career.directions]
    assert kb_rows == seed_rows
    assert not [t for t, n in Counter(d.title for d in career.directions).items() if n > 1]
    assert len({d.id for d in career.directions}) == 7
    for direction in career.directions:
        assert normalise(f"{direction.title} {direction.outcome}") in seed


def test_direction_aliases_cover_the_development_tables_labels(career):
    aliases = {d.id: {a.casefold() for a in d.aliases} for d in career.directions}
    assert "maintaining" in aliases["maintain-and-refresh"]
    for label in ("moving up and across", "moving up or across"):
        assert label in aliases["moving-up"] and label in aliases["moving-across"]
    assert {"retire", "retiring", "retirement", "reduce my hours", "part time", "wind down"} <= (
        aliases["winding-down"]
    )
    assert {"promotion", "progress", "next level", "step up", "become a pcn manager"} <= (
        aliases["moving-up"]
    )


# ---------------------------------------------------------------------------- core areas


def test_all_12_core_areas_with_example_activities_word_for_word(career, lines):
    seed_rows = table_rows(
        between(lines, "Core areas of technical expertise\tExample", "Early career")
    )
    assert len(seed_rows) == 12
    kb_rows = [(a.title, normalise(a.example_activities)) for a in career.core_areas]
    assert kb_rows == seed_rows
    assert len({a.id for a in career.core_areas}) == 12


def test_core_area_activities_are_pieces_of_the_seed_text(career):
    for area in career.core_areas:
        assert area.activities, area.id
        for activity in area.activities:
            assert activity.casefold() in area.example_activities.casefold(), (area.id, activity)


def test_core_area_aliases_include_the_everyday_words(career):
    aliases = {a.id: set(a.aliases) for a in career.core_areas}
    assert {"HR", "people", "staff", "recruitment"} <= aliases["hr-and-people-development"]
    assert {"IT", "IM&T", "digital", "tech"} <= aliases["information-and-technology"]
    assert {"H&S", "IG", "risk"} <= aliases["safety-and-risk-management"]
    assert {"contracts", "QOF", "DES", "IIF"} <= aliases["contract-management"]
    assert {"money", "the accounts", "budgets", "finance"} <= aliases["financial-management"]
    assert "comms" in aliases["communications"]


# ------------------------------------------------------------------------------- drivers


def test_all_8_drivers_word_for_word(career, lines):
    listed = between(lines, "A career can be loosely defined", "Table 2: Overview of common career")
    seed_drivers = [normalise(line).rstrip(".") for line in listed if line.strip()]
    assert len(seed_drivers) == 8
    assert [d.text for d in career.drivers] == seed_drivers
    assert len({d.id for d in career.drivers}) == 8


# --------------------------------------------------------------------------------- roles


def test_roles_are_the_legible_parts_of_table_1(career, seed):
    assert [r.id for r in career.roles] == [
        "practice-manager",
        "primary-care-network-manager",
        "other-primary-care-management-roles",
    ]
    for role in career.roles:
        assert role.title.casefold() in seed.casefold(), role.title
        for text in (role.summary, role.summary_fragment, *role.responsibilities):
            if text is not None:
                assert normalise(text) in seed, (role.id, text)
    pm = career.role("practice-manager")
    assert pm.reconstructed and pm.summary is None
    assert pm.summary_fragment == "operations to deliver patient care."
    pcn = career.role("primary-care-network-manager")
    assert pcn.summary.startswith("An evolving role that has not yet had the opportunity")
    assert "Translating contracts to deliverables" in pcn.responsibilities


# ------------------------------------------------------------------------------ sections


def test_sections_are_the_seeds_prose(career, seed):
    kinds = Counter(s.kind for s in career.sections)
    assert kinds["using the framework"] == 4  # the intro and its three audiences
    assert {"evolving-primary-care-environment", "workforce-overview", "career-pathway"} <= {
        s.id for s in career.sections
    }
    for section in career.sections:
        assert section.title in seed, section.title
        assert section.paragraphs, section.id
        for paragraph in section.paragraphs:
            assert normalise(paragraph) in seed, (section.id, paragraph[:60])


def test_acknowledgements_list_every_stakeholder(career, lines):
    listed = [
        normalise(line)
        for line in between(lines, "This framework has been informed", "@end")
        if line.strip()
    ]
    assert list(career.acknowledgements.stakeholders) == listed
    assert len(listed) == 7


# -------------------------------------------------------------------------------- stages


def test_three_stages_with_seed_definitions(career, seed):
    assert [s.id for s in career.stages] == ["early", "established", "late"]
    assert [s.title for s in career.stages] == ["Early career", "Established career", "Late career"]
    early, established, late = career.stages
    assert early.definition.startswith("Individuals tend to be in the first five years")
    assert established.definition.startswith("Individuals at this stage are likely to have five")
    assert late.definition is None  # the seed has no prose definition for late career
    for stage in career.stages:
        for text in (stage.definition, stage.training_intro, stage.description):
            for paragraph in (text or "").split("\n\n"):
                assert normalise(paragraph) in seed, (stage.id, paragraph[:60])
        for text in (stage.training_table, stage.development_table, stage.development_intro):
            assert text is None or normalise(text) in seed, (stage.id, text)


KSA_SEGMENTS = {
    "early": ("Table 3: Knowledge, skills and abilities", "Table 4:"),
    "established": ("Established career Most primary", "Table 6:"),
    "late": ("Table 8: Knowledge, skills and abilities", "Table 9:"),
}


def test_each_stages_ksa_texts_are_in_that_stages_tables(career, raw, seed):
    # The established personal table prints its bullets and text as interleaved columns;
    # dropping the bullet column ("•<tab>Attribute<tab>") rejoins the text.
    joined = normalise(fixed(re.sub(r"(?m)^•\t[^\t]+\t", "", raw)))
    for stage in career.stages:
        start, end = KSA_SEGMENTS[stage.id]
        part = segment(joined, start, end)
        positions = []
        for kind, block in stage.ksa.blocks():
            assert block.overall_level == "Foundation > Intermediate"  # as printed, all stages
            assert normalise(block.text) in part, (stage.id, kind)
            positions.append(part.index(normalise(block.text)))
            for attribute in block.attributes:
                assert attribute in seed, (stage.id, kind, attribute)
            assert len(block.attributes) == 5
        assert positions == sorted(positions), stage.id


TRAINING_TABLES = {
    "early": ("Training and development\tInformation", 7),
    "established": ("Table 6: Training and development options", 8),
    "late": ("Table 9: Training and development options", 8),
}


@pytest.mark.parametrize("stage_id", list(TRAINING_TABLES))
def test_every_training_option_word_for_word(career, lines, stage_id):
    start, count = TRAINING_TABLES[stage_id]
    seed_rows = table_rows(between(lines, start, "Career development"))
    assert len(seed_rows) == count
    stage = career.stage(stage_id)
    kb_rows = [(o.title, normalise(o.information)) for o in stage.training_options]
    assert kb_rows == seed_rows
    assert len({o.id for o in stage.training_options}) == count


DEVELOPMENT_TABLES = {
    "early": ("Table 5: Overview of career development", "Established career"),
    "established": ("Table 7: Overview of career development", "Late career"),
    "late": ("Table 9: Training and development options", "Acknowledgements"),
}
LABEL = re.compile(r"^(Moving|Building|Maintain|Winding|Legacy)")


@pytest.mark.parametrize("stage_id", list(DEVELOPMENT_TABLES))
def test_development_rows_follow_the_seeds_table(career, lines, seed, stage_id):
    start, end = DEVELOPMENT_TABLES[stage_id]
    table = between(lines, start, end)
    table = table[next(i for i, line in enumerate(table) if line.startswith("Career directions")) :]
    seed_labels = [line.split("\t")[0] for line in table if LABEL.match(line)]
    stage = career.stage(stage_id)
    assert [row.label for row in stage.development] == seed_labels
    words = set(re.findall(r"[\w/()-]+", normalise(" ".join(table)).casefold()))
    direction_ids = {d.id for d in career.directions}
    for row in stage.development:
        assert set(row.directions) <= direction_ids
        option_ids = {o.id for o in stage.training_options}
        assert set(row.interventions) <= option_ids, (stage_id, row.label, row.interventions)
        for ref in row.cross_stage_interventions:
            assert ref.stage != stage_id and career.option(ref) is not None
        for piece in (row.interventions_text or "").split("; "):
            missing = set(re.findall(r"[\w/()-]+", piece.casefold())) - words
            assert not missing, (stage_id, row.label, missing)
        if row.learning_outcome is not None:
            for text in (row.learning_outcome.heading, *row.learning_outcome.points):
                assert text is None or normalise(text) in seed, (stage_id, row.label, text)


def test_development_row_counts_and_gaps_kept_honest(career):
    assert [len(s.development) for s in career.stages] == [7, 5, 5]
    early, established, late = career.stages
    assert early.development[3].learning_outcome is None  # "Mentoring Programme PCN First5 Network"
    assert established.development[0].interventions == ()  # the seed's empty cell for Moving in
    served = {d for s in career.stages for row in s.development for d in row.directions}
    assert served == {d.id for d in career.directions}


# ------------------------------------------------------------------------------ glossary


def seed_abbreviations() -> set[str]:
    text = seed_text(CAREER_SEED) + "\n" + seed_text(COMPETENCY_SEED)
    found = set()
    for token in re.findall(r"(?<![\w&])[A-Za-z0-9&]+(?![\w&])", text):
        if sum(c.isupper() for c in token) >= 2:
            if token.endswith("s") and token[:-1].isupper():
                token = token[:-1]  # GPs, PCNs, NSFs
            found.add(token)
    return found - GLOSSARY_IGNORE


def test_glossary_covers_every_abbreviation_in_both_seeds():
    glossary = load_glossary(GLOSSARY_YAML)
    abbreviations = seed_abbreviations()
    assert {"PHCT", "SEA", "H&SW", "IM&T", "NHSnet", "StHA", "ARRS", "CRM1", "ICB"} <= abbreviations
    missing = sorted(a for a in abbreviations if glossary.lookup(a) is None)
    assert not missing, f"abbreviations without a glossary entry: {missing}"


def test_glossary_marks_whose_words_and_history():
    glossary = load_glossary(GLOSSARY_YAML)
    seeds = normalise(fixed(seed_text(CAREER_SEED) + "\n" + seed_text(COMPETENCY_SEED)))
    for entry in glossary.entries:
        assert entry.source
        if entry.expansion_source == "seed":
            assert entry.expansion.casefold() in seeds.casefold(), entry.term
        if entry.explanation_source == "seed":
            assert normalise(entry.explanation) in seeds, entry.term
    for term in ("PGEA", "PCO", "StHA", "NHSnet"):
        assert glossary.lookup(term).historical, term
    for term in ("CRM1", "CRS", "MPS"):
        entry = glossary.lookup(term)
        assert entry.explanation_source == "careerbot" and "uncertain" in entry.explanation.lower()
    assert glossary.lookup("H&S").term == "H&SW"


# ------------------------------------------------------------------------------- mapping


def test_mapping_covers_12_core_areas_and_9_domains(career):
    mapping = load_mapping(MAPPING_YAML, career)
    assert mapping.authored_by == "careerbot"
    assert sorted(c.core_area for c in mapping.core_areas) == sorted(
        a.id for a in career.core_areas
    )
    assert tuple(d.id for d in mapping.domains) == DOMAIN_IDS
    inverse = mapping.inverse()
    assert set(inverse) == set(DOMAIN_IDS) and all(inverse.values())
    for link in mapping.core_areas:
        assert 1 <= len(link.domains) <= 3 and link.rationale


def test_mapping_domains_are_the_competency_frameworks():
    competency_yaml = KNOWLEDGE / "competency.yaml"
    if not competency_yaml.exists():
        pytest.skip("knowledge/competency.yaml not present")
    from bot.knowledge.competency import load_competency

    domains = load_competency(competency_yaml).domains
    mapping = load_mapping(MAPPING_YAML)
    assert [(d.id, d.number) for d in mapping.domains] == [(d.id, d.number) for d in domains]


# ------------------------------------------------------------------------ broken copies


def write_variant(tmp_path: Path, source: Path, change) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def test_unparsable_yaml_names_the_file_and_line(tmp_path):
    text = CAREER_YAML.read_text(encoding="utf-8").replace(
        'title: "Moving up"', 'title: "Moving up', 1
    )
    target = tmp_path / "career.yaml"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_career(target)
    assert caught.value.file == str(target)
    assert re.fullmatch(r"line \d+", caught.value.item)
    assert str(target) in str(caught.value)


def test_missing_field_names_the_file_and_the_item(tmp_path):
    target = write_variant(tmp_path, CAREER_YAML, lambda d: d["directions"][3].pop("outcome"))
    with pytest.raises(KnowledgeError) as caught:
        load_career(target)
    assert caught.value.item == "directions[3] (Moving up)"
    assert caught.value.problem == "field 'outcome' is missing"
    assert str(caught.value) == f"{target}: directions[3] (Moving up): field 'outcome' is missing"


def test_nested_schema_error_names_the_nested_item(tmp_path):
    def change(data):
        data["stages"][1]["training_options"][2]["colour"] = "blue"

    target = write_variant(tmp_path, CAREER_YAML, change)
    with pytest.raises(KnowledgeError) as caught:
        load_career(target)
    assert caught.value.item == (
        "stages[1] (Established career).training_options[2] (Coaching programme)"
    )
    assert caught.value.problem == "unknown field 'colour'"


@pytest.mark.parametrize(
    ("change", "item", "problem"),
    [
        (lambda d: d["directions"].pop(), "directions", "expected 7"),
        (lambda d: d["core_areas"].pop(0), "core_areas", "expected 12"),
        (lambda d: d["stages"].pop(), "stages", "expected stages"),
        (
            lambda d: d["stages"][2].update(training_options=[]),
            "stages[2] (Late career)",
            "no training options",
        ),
        (
            lambda d: d["stages"][0]["development"][2].update(interventions=["no-such-course"]),
            "stages[0] (Early career).development[2] (Building up)",
            "'no-such-course'",
        ),
        (
            lambda d: d["stages"][1]["development"][1].update(directions=["flying-up"]),
            "stages[1] (Established career).development[1] (Building up)",
            "unknown direction 'flying-up'",
        ),
        (
            lambda d: d["directions"][1].update(id="moving-in"),
            "directions[1] (moving-in)",
            "duplicate id",
        ),
    ],
)
def test_incomplete_career_is_refused(tmp_path, change, item, problem):
    target = write_variant(tmp_path, CAREER_YAML, change)
    with pytest.raises(KnowledgeError) as caught:
        load_career(target)
    assert caught.value.item == item
    assert problem in caught.value.problem


def test_broken_glossary_entry_is_named(tmp_path):
    def change(data):
        entry = next(e for e in data["entries"] if e["term"] == "PGEA")
        entry.pop("historical_note")

    target = write_variant(tmp_path, GLOSSARY_YAML, change)
    with pytest.raises(KnowledgeError) as caught:
        load_glossary(target)
    assert caught.value.item.endswith("(PGEA)")
    assert "historical_note" in caught.value.problem


def test_mapping_that_leaves_a_domain_unreached_is_refused(tmp_path):
    def change(data):
        for link in data["core_areas"]:
            link["domains"] = [d for d in link["domains"] if d != "partnership-issues"]

    target = write_variant(tmp_path, MAPPING_YAML, change)
    with pytest.raises(KnowledgeError) as caught:
        load_mapping(target)
    assert "partnership-issues" in caught.value.problem


def test_mapping_naming_an_unknown_domain_is_refused(tmp_path):
    target = write_variant(
        tmp_path, MAPPING_YAML, lambda d: d["core_areas"][0]["domains"].append("astrology")
    )
    with pytest.raises(KnowledgeError) as caught:
        load_mapping(target)
    assert caught.value.item == "core_areas[0] (day-to-day-operations)"
