"""NHS England's career development framework (2024), the glossary and careerbot's mapping.

Three knowledge files are read here into immutable models:

- `knowledge/career.yaml`: the *Primary care manager career development framework*
  (February 2024, PR00411): sections, roles, drivers, directions, core areas and the three
  career stages with their KSA tables, training options and development tables.
- `knowledge/glossary.yaml`: the abbreviations used in both seed documents.
- `knowledge/mapping.yaml`: careerbot's own mapping from the 12 core areas (2024) to the
  competency framework's 9 domains (2004).

Framework text is the seed's; ids, aliases, the mapping and anything marked "careerbot" are
the bot's own words. Each loader raises `KnowledgeError(file, item, problem)` on malformed
YAML, on schema violations and when a file is incomplete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml, validate

# What the seed holds; a file with fewer (or more) items is incomplete (or invented).
EXPECTED_ROLES = 3
EXPECTED_DRIVERS = 8
EXPECTED_DIRECTIONS = 7
EXPECTED_CORE_AREAS = 12
STAGE_IDS = ("early", "established", "late")

# The competency framework's 9 domains, in the framework's order (ids fixed project-wide).
DOMAIN_IDS = (
    "practice-operation-and-development",
    "risk-management",
    "partnership-issues",
    "patient-and-community-services",
    "finance",
    "human-resources",
    "premises-and-equipment",
    "im-and-t",
    "population-care",
)
MAX_DOMAINS_PER_CORE_AREA = 3

KebabId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(min_length=1)]
Aliases = tuple[Text, ...]

SectionKind = Literal[
    "background",
    "roles",
    "workforce",
    "using the framework",
    "career pathway",
    "career drivers",
    "career directions",
    "core knowledge, skills and abilities",
]
Authorship = Literal["seed", "careerbot"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


# --------------------------------------------------------------------------- career.yaml


class DocumentInfo(_Frozen):
    """Which publication the file transcribes."""

    id: Text
    title: Text
    publisher: Text
    date: Text
    reference: Text
    classification: Text | None = None


class Section(_Frozen):
    """A prose section of the framework; `text` is its paragraphs joined by blank lines."""

    id: KebabId
    kind: SectionKind
    title: Text
    text: Text
    source: Text
    aliases: Aliases = ()

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.text.split("\n\n") if p.strip())


class Role(_Frozen):
    """A row of Table 1. `summary` is None where the seed's description is lost; then
    `summary_fragment` holds the words that survive. `reconstructed` marks garbled rows."""

    id: KebabId
    title: Text
    reconstructed: bool = False
    summary: Text | None
    summary_fragment: Text | None = None
    responsibilities: tuple[Text, ...] = ()
    source: Text
    aliases: Aliases = ()


class Driver(_Frozen):
    """One of the 8 career drivers (what motivates managers)."""

    id: KebabId
    text: Text
    source: Text
    aliases: Aliases = ()


class Direction(_Frozen):
    """One of the 7 career directions of Table 2 with its outcome, word for word."""

    id: KebabId
    title: Text
    outcome: Text
    source: Text
    aliases: Aliases = ()


class CoreArea(_Frozen):
    """A core area of technical expertise. `example_activities` is the seed's text;
    `activities` is careerbot's split of it into single activities."""

    id: KebabId
    title: Text
    example_activities: Text
    activities: tuple[Text, ...] = ()
    source: Text
    aliases: Aliases = ()


class KsaBlock(_Frozen):
    """One knowledge-skills-abilities table: level as printed, attributes and text."""

    overall_level: Text
    attributes: tuple[Text, ...] = Field(min_length=1)
    text: Text


class Ksa(_Frozen):
    """A stage's practical, relational and personal knowledge, skills and abilities."""

    source: Text
    practical: KsaBlock
    relational: KsaBlock
    personal: KsaBlock

    def blocks(self) -> tuple[tuple[str, KsaBlock], ...]:
        """(kind, block) pairs in the seed's order."""
        return (
            ("practical", self.practical),
            ("relational", self.relational),
            ("personal", self.personal),
        )


class TrainingOption(_Frozen):
    """A row of a stage's training and development options table (Tables 4, 6, 9)."""

    id: KebabId
    title: Text
    information: Text
    source: Text
    aliases: Aliases = ()


class LearningOutcome(_Frozen):
    """A development-table outcome: its heading (None where the seed prints none) and points."""

    heading: Text | None
    points: tuple[Text, ...] = Field(min_length=1)


class OptionRef(_Frozen):
    """A training option of another stage, e.g. established / refresher-updates-training."""

    stage: KebabId
    option: KebabId


class DevelopmentRow(_Frozen):
    """A row of a development table (Table 5, Table 7, the untitled late-career table).

    `label` is the seed's direction label ("Maintaining", "Moving up or across"), `directions`
    the direction ids it stands for, `interventions` the ids of this stage's training options
    it names, `cross_stage_interventions` options it names that only another stage lists,
    `interventions_text` the seed's words ("; " between items the seed listed separately).
    `learning_outcome` is None where the seed's cell is empty.
    """

    label: Text
    reconstructed: bool = False
    directions: tuple[KebabId, ...] = Field(min_length=1)
    interventions: tuple[KebabId, ...] = ()
    cross_stage_interventions: tuple[OptionRef, ...] = ()
    interventions_text: Text | None
    learning_outcome: LearningOutcome | None


class Stage(_Frozen):
    """A career stage (early, established, late). `definition` is one seed sentence, or None
    where the seed has none (late career); `careerbot_years_hint` is the bot's own words."""

    id: KebabId
    title: Text
    definition: Text | None
    careerbot_years_hint: Text | None = None
    description: Text | None
    source: Text
    aliases: Aliases = ()
    ksa: Ksa
    training_table: Text | None
    training_intro: Text | None
    training_options: tuple[TrainingOption, ...]
    development_table: Text | None
    development_intro: Text | None
    development: tuple[DevelopmentRow, ...]

    def option(self, option_id: str) -> TrainingOption | None:
        return next((o for o in self.training_options if o.id == option_id), None)

    def rows_for(self, direction_id: str) -> tuple[DevelopmentRow, ...]:
        """The development rows of this stage that serve the direction."""
        return tuple(r for r in self.development if direction_id in r.directions)


class Acknowledgements(_Frozen):
    intro: Text
    stakeholders: tuple[Text, ...] = Field(min_length=1)
    source: Text


class CareerFramework(_Frozen):
    """The whole 2024 career development framework."""

    document: DocumentInfo
    sections: tuple[Section, ...]
    roles: tuple[Role, ...]
    drivers: tuple[Driver, ...]
    directions: tuple[Direction, ...]
    core_areas: tuple[CoreArea, ...]
    stages: tuple[Stage, ...]
    acknowledgements: Acknowledgements

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def direction(self, direction_id: str) -> Direction | None:
        return next((d for d in self.directions if d.id == direction_id), None)

    def core_area(self, core_area_id: str) -> CoreArea | None:
        return next((a for a in self.core_areas if a.id == core_area_id), None)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def option(self, ref: OptionRef) -> TrainingOption | None:
        stage = self.stage(ref.stage)
        return stage.option(ref.option) if stage else None


# ------------------------------------------------------------------------- glossary.yaml


class GlossaryEntry(_Frozen):
    """An abbreviation from the seeds. `*_source` says whose words the expansion and the
    explanation are: "seed" (cited in `source`) or "careerbot" (the bot's own)."""

    id: KebabId
    term: Text
    expansion: Text
    expansion_source: Authorship
    explanation: Text | None
    explanation_source: Authorship | None
    historical: bool = False
    historical_note: Text | None = None
    aliases: Aliases = ()
    source: Text

    @model_validator(mode="after")
    def _consistent(self) -> GlossaryEntry:
        if (self.explanation is None) != (self.explanation_source is None):
            raise ValueError("'explanation' and 'explanation_source' must be given together")
        if self.historical and not self.historical_note:
            raise ValueError("a historical term needs a 'historical_note'")
        return self


class Glossary(_Frozen):
    entries: tuple[GlossaryEntry, ...] = Field(min_length=1)

    def lookup(self, word: str) -> GlossaryEntry | None:
        """The entry whose term or alias is `word` (case-insensitive; a plural "s" is allowed)."""
        wanted = _norm(word)
        candidates = {wanted}
        if wanted.endswith("s") and len(wanted) > 2:
            candidates.add(wanted[:-1])
        for entry in self.entries:
            names = {_norm(entry.term), *(_norm(a) for a in entry.aliases)}
            if names & candidates:
                return entry
        return None


# -------------------------------------------------------------------------- mapping.yaml


class Domain(_Frozen):
    """A competency-framework domain as the mapping refers to it."""

    id: KebabId
    number: int
    title: Text


class CoreAreaLink(_Frozen):
    """careerbot's link from one 2024 core area to 1-3 of the 2004 domains."""

    core_area: KebabId
    domains: tuple[KebabId, ...] = Field(min_length=1, max_length=MAX_DOMAINS_PER_CORE_AREA)
    rationale: Text


class CoreAreaMapping(_Frozen):
    """The bot's own mapping between core areas and domains (never framework content)."""

    authored_by: Literal["careerbot"]
    note: Text | None = None
    domains: tuple[Domain, ...]
    core_areas: tuple[CoreAreaLink, ...]

    def domains_for(self, core_area_id: str) -> tuple[str, ...]:
        return next((c.domains for c in self.core_areas if c.core_area == core_area_id), ())

    def core_areas_for(self, domain_id: str) -> tuple[str, ...]:
        return tuple(c.core_area for c in self.core_areas if domain_id in c.domains)

    def inverse(self) -> dict[str, tuple[str, ...]]:
        """Domain id -> the core area ids mapped to it, for every domain."""
        return {d.id: self.core_areas_for(d.id) for d in self.domains}


# ------------------------------------------------------------------------------- loading


def _where(collection: str, index: int, label: str | None = None) -> str:
    return f"{collection}[{index}]" + (f" ({label})" if label else "")


def _check_count(path: str, items: tuple[Any, ...], key: str, expected: int, what: str) -> None:
    if len(items) != expected:
        raise KnowledgeError(path, key, f"expected {expected} {what}, found {len(items)}")


def _check_unique(path: str, collection: str, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise KnowledgeError(path, _where(collection, index, value), f"duplicate {what}")
        seen.add(value)


def _check_career(path: str, fw: CareerFramework) -> None:
    _check_count(path, fw.roles, "roles", EXPECTED_ROLES, "roles (Table 1)")
    _check_count(path, fw.drivers, "drivers", EXPECTED_DRIVERS, "career drivers")
    _check_count(path, fw.directions, "directions", EXPECTED_DIRECTIONS, "directions (Table 2)")
    _check_count(path, fw.core_areas, "core_areas", EXPECTED_CORE_AREAS, "core areas")
    for collection in ("sections", "roles", "drivers", "directions", "core_areas", "stages"):
        items = getattr(fw, collection)
        _check_unique(path, collection, [i.id for i in items], "id")
    _check_unique(path, "directions", [_norm(d.title) for d in fw.directions], "title")
    _check_unique(path, "core_areas", [_norm(a.title) for a in fw.core_areas], "title")

    found = tuple(s.id for s in fw.stages)
    if found != STAGE_IDS:
        raise KnowledgeError(
            path, "stages", f"expected stages {list(STAGE_IDS)}, found {list(found)}"
        )

    directions = {d.id: d for d in fw.directions}
    served: set[str] = set()
    for s_index, stage in enumerate(fw.stages):
        where = _where("stages", s_index, stage.title)
        if not stage.training_options:
            raise KnowledgeError(path, where, "the stage has no training options")
        if not stage.development:
            raise KnowledgeError(path, where, "the stage has no development rows")
        option_ids = [o.id for o in stage.training_options]
        _check_unique(path, f"{where}.training_options", option_ids, "id")
        for r_index, row in enumerate(stage.development):
            row_where = f"{where}.development[{r_index}] ({row.label})"
            for direction_id in row.directions:
                direction = directions.get(direction_id)
                if direction is None:
                    raise KnowledgeError(
                        path, row_where, f"names unknown direction '{direction_id}'"
                    )
                names = {_norm(direction.title), *(_norm(a) for a in direction.aliases)}
                if _norm(row.label) not in names:
                    raise KnowledgeError(
                        path,
                        row_where,
                        f"label '{row.label}' is neither the title nor an alias of "
                        f"direction '{direction_id}'",
                    )
                served.add(direction_id)
            for option_id in row.interventions:
                if option_id not in option_ids:
                    raise KnowledgeError(
                        path, row_where, f"names intervention '{option_id}' that {stage.id} lacks"
                    )
            for ref in row.cross_stage_interventions:
                if ref.stage == stage.id or fw.option(ref) is None:
                    raise KnowledgeError(
                        path,
                        row_where,
                        f"names cross-stage intervention '{ref.stage}/{ref.option}' "
                        "that no other stage has",
                    )
            if not (row.interventions or row.cross_stage_interventions) and row.interventions_text:
                raise KnowledgeError(path, row_where, "interventions_text names no intervention id")
    unserved = [d.id for d in fw.directions if d.id not in served]
    if unserved:
        raise KnowledgeError(path, "stages", f"no development row serves directions {unserved}")


def load_career(path: str | Path) -> CareerFramework:
    """Read knowledge/career.yaml; raise KnowledgeError if malformed or incomplete."""
    file = str(path)
    framework = validate(file, read_yaml(Path(path)), CareerFramework)
    _check_career(file, framework)
    return framework


def load_glossary(path: str | Path) -> Glossary:
    """Read knowledge/glossary.yaml; raise KnowledgeError if malformed or inconsistent."""
    file = str(path)
    glossary = validate(file, read_yaml(Path(path)), Glossary)
    _check_unique(file, "entries", [e.id for e in glossary.entries], "id")
    _check_unique(file, "entries", [e.term.casefold() for e in glossary.entries], "term")
    terms = {e.term.casefold(): e.term for e in glossary.entries}
    for index, entry in enumerate(glossary.entries):
        for alias in entry.aliases:
            other = terms.get(alias.casefold())
            if other is not None and other != entry.term:
                raise KnowledgeError(
                    file, _where("entries", index, entry.term), f"alias '{alias}' is term {other}"
                )
    return glossary


def load_mapping(path: str | Path, career: CareerFramework | None = None) -> CoreAreaMapping:
    """Read knowledge/mapping.yaml; raise KnowledgeError if malformed or incomplete.

    Every one of the 9 domains must be reached by some core area. With `career`, the core
    area ids must be exactly the framework's.
    """
    file = str(path)
    mapping = validate(file, read_yaml(Path(path)), CoreAreaMapping)
    found = tuple(d.id for d in mapping.domains)
    if found != DOMAIN_IDS:
        raise KnowledgeError(
            file, "domains", f"expected domains {list(DOMAIN_IDS)}, found {list(found)}"
        )
    for index, domain in enumerate(mapping.domains, start=1):
        if domain.number != index:
            raise KnowledgeError(
                file, _where("domains", index - 1, domain.title), f"number should be {index}"
            )
    _check_count(file, mapping.core_areas, "core_areas", EXPECTED_CORE_AREAS, "core areas")
    _check_unique(file, "core_areas", [c.core_area for c in mapping.core_areas], "core area")
    for index, link in enumerate(mapping.core_areas):
        where = _where("core_areas", index, link.core_area)
        unknown = [d for d in link.domains if d not in DOMAIN_IDS]
        if unknown:
            raise KnowledgeError(file, where, f"names unknown domain ids {unknown}")
        if len(set(link.domains)) != len(link.domains):
            raise KnowledgeError(file, where, "names a domain twice")
    unreached = [d for d, areas in mapping.inverse().items() if not areas]
    if unreached:
        raise KnowledgeError(file, "core_areas", f"no core area maps to domains {unreached}")
    if career is not None:
        expected = {a.id for a in career.core_areas}
        mapped = {c.core_area for c in mapping.core_areas}
        if mapped != expected:
            raise KnowledgeError(
                file,
                "core_areas",
                f"core areas differ from career.yaml: missing {sorted(expected - mapped)}, "
                f"unknown {sorted(mapped - expected)}",
            )
    return mapping
