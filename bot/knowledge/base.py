"""Everything the bot knows, loaded and cross-checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.career import CareerFramework, load_career
from bot.knowledge.competency import CompetencyFramework, load_competency
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.examples import WorkExamples, load_examples
from bot.knowledge.glossary import Glossary, load_glossary
from bot.knowledge.mapping import CoreAreaMapping, load_mapping


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Both frameworks, the glossary, and careerbot's own core-area-to-domain mapping and
    examples of described work."""

    competency: CompetencyFramework
    career: CareerFramework
    glossary: Glossary
    mapping: CoreAreaMapping
    examples: WorkExamples

    def counts(self) -> dict[str, int]:
        """How many items of each kind the knowledge base holds."""
        ranges = self.competency.ranges
        stages = self.career.stages
        return {
            "domains": len(self.competency.domains),
            "ranges": len(ranges),
            "descriptors": 3 * len(ranges),
            "roles": len(self.career.roles),
            "career drivers": len(self.career.drivers),
            "career directions": len(self.career.directions),
            "core areas": len(self.career.core_areas),
            "career stages": len(stages),
            "training options": sum(len(s.training_options) for s in stages),
            "development rows": sum(len(s.development) for s in stages),
            "framework sections": len(self.career.sections),
            "glossary terms": len(self.glossary.entries),
            "core area mappings": len(self.mapping.core_areas),
        }


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and cross-check every knowledge file in `directory`."""
    competency = load_competency(directory / "competency.yaml")
    career = load_career(directory / "career.yaml")
    kb = KnowledgeBase(
        competency=competency,
        career=career,
        glossary=load_glossary(directory / "glossary.yaml"),
        mapping=load_mapping(directory / "mapping.yaml"),
        examples=load_examples(directory / "examples.yaml", _example_idents(competency, career)),
    )
    domain_ids = {d.id for d in kb.competency.domains}
    for index, area in enumerate(kb.mapping.core_areas):
        unknown = set(area.domains) - domain_ids
        if unknown:
            raise KnowledgeError(
                str(directory / "mapping.yaml"),
                f"core_areas[{index}] ({area.core_area})",
                f"names unknown domain ids {sorted(unknown)}",
            )
    return kb


def _example_idents(competency: CompetencyFramework, career: CareerFramework) -> set[str]:
    """The idents `examples.yaml` may name: range ids and the lookup's career idents."""
    idents = {r.id for r in competency.ranges}
    idents |= {f"section:{s.id}" for s in career.sections}
    idents |= {f"role:{r.id}" for r in career.roles}
    idents |= {f"driver:{d.id}" for d in career.drivers}
    idents |= {f"direction:{d.id}" for d in career.directions}
    idents |= {f"core:{c.id}" for c in career.core_areas}
    for stage in career.stages:
        idents.add(f"stage:{stage.id}")
        idents |= {f"training:{stage.id}/{o.id}" for o in stage.training_options}
    return idents
