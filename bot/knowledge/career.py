"""NHS England's career development framework (2024): `knowledge/career.yaml` as immutable models.

The *Primary care manager career development framework* (February 2024, PR00411): sections,
roles, drivers, directions, core areas and the three career stages with their KSA tables,
training options and development tables. Framework text is the seed's; ids and aliases are the
bot's own. `load_career` raises `KnowledgeError(file, item, problem)` on malformed YAML, on
schema violations and when the file is incomplete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.knowledge.common import (
    Aliases,
    Frozen,
    KebabId,
    Text,
    check_count,
    check_unique,
    item_at,
    norm,
)
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml, validate

# What the seed holds; a file with fewer (or more) items is incomplete (or invented).
EXPECTED_ROLES = 3
EXPECTED_DRIVERS = 8
EXPECTED_DIRECTIONS = 7
EXPECTED_CORE_AREAS = 12
STAGE_IDS = ("early", "established", "late")

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


class DocumentInfo(Frozen):
    """Which publication the file transcribes."""

    id: Text
    title: Text
    publisher: Text
    date: Text
    reference: Text
    classification: Text | None = None


class Section(Frozen):
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


class Role(Frozen):
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


class Driver(Frozen):
    """One of the 8 career drivers (what motivates managers)."""

    id: KebabId
    text: Text
    source: Text
    aliases: Aliases = ()


class Direction(Frozen):
    """One of the 7 career directions of Table 2 with its outcome, word for word."""

    id: KebabId
    title: Text
    outcome: Text
    source: Text
    aliases: Aliases = ()


class CoreArea(Frozen):
    """A core area of technical expertise. `example_activities` is the seed's text;
    `activities` is careerbot's split of it into single activities."""

    id: KebabId
    title: Text
    example_activities: Text
    activities: tuple[Text, ...] = ()
    source: Text
    aliases: Aliases = ()


class KsaBlock(Frozen):
    """One knowledge-skills-abilities table: level as printed, attributes and text."""

    overall_level: Text
    attributes: tuple[Text, ...] = Field(min_length=1)
    text: Text


class Ksa(Frozen):
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


class TrainingOption(Frozen):
    """A row of a stage's training and development options table (Tables 4, 6, 9)."""

    id: KebabId
    title: Text
    information: Text
    source: Text
    aliases: Aliases = ()


class LearningOutcome(Frozen):
    """A development-table outcome: its heading (None where the seed prints none) and points."""

    heading: Text | None
    points: tuple[Text, ...] = Field(min_length=1)


class OptionRef(Frozen):
    """A training option of another stage, e.g. established / refresher-updates-training."""

    stage: KebabId
    option: KebabId


class DevelopmentRow(Frozen):
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


class Stage(Frozen):
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


class Acknowledgements(Frozen):
    intro: Text
    stakeholders: tuple[Text, ...] = Field(min_length=1)
    source: Text


class CareerFramework(Frozen):
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


def _check_career(path: str, fw: CareerFramework) -> None:
    check_count(path, fw.roles, "roles", EXPECTED_ROLES, "roles (Table 1)")
    check_count(path, fw.drivers, "drivers", EXPECTED_DRIVERS, "career drivers")
    check_count(path, fw.directions, "directions", EXPECTED_DIRECTIONS, "directions (Table 2)")
    check_count(path, fw.core_areas, "core_areas", EXPECTED_CORE_AREAS, "core areas")
    for collection in ("sections", "roles", "drivers", "directions", "core_areas", "stages"):
        items = getattr(fw, collection)
        check_unique(path, collection, [i.id for i in items], "id")
    check_unique(path, "directions", [norm(d.title) for d in fw.directions], "title")
    check_unique(path, "core_areas", [norm(a.title) for a in fw.core_areas], "title")

    found = tuple(s.id for s in fw.stages)
    if found != STAGE_IDS:
        raise KnowledgeError(
            path, "stages", f"expected stages {list(STAGE_IDS)}, found {list(found)}"
        )

    directions = {d.id: d for d in fw.directions}
    served: set[str] = set()
    for s_index, stage in enumerate(fw.stages):
        where = item_at("stages", s_index, stage.title)
        if not stage.training_options:
            raise KnowledgeError(path, where, "the stage has no training options")
        if not stage.development:
            raise KnowledgeError(path, where, "the stage has no development rows")
        option_ids = [o.id for o in stage.training_options]
        check_unique(path, f"{where}.training_options", option_ids, "id")
        for r_index, row in enumerate(stage.development):
            row_where = f"{where}.development[{r_index}] ({row.label})"
            for direction_id in row.directions:
                direction = directions.get(direction_id)
                if direction is None:
                    raise KnowledgeError(
                        path, row_where, f"names unknown direction '{direction_id}'"
                    )
                names = {norm(direction.title), *(norm(a) for a in direction.aliases)}
                if norm(row.label) not in names:
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
