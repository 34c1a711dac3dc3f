"""Everything the bot knows, loaded and cross-checked once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.career import CareerFramework, load_career
from bot.knowledge.competency import CompetencyFramework, load_competency
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.glossary import Glossary, load_glossary
from bot.knowledge.mapping import CoreAreaMapping, load_mapping


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Both frameworks, the glossary and careerbot's core-area-to-domain mapping."""

    competency: CompetencyFramework
    career: CareerFramework
    glossary: Glossary
    mapping: CoreAreaMapping

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
    kb = KnowledgeBase(
        competency=load_competency(directory / "competency.yaml"),
        career=load_career(directory / "career.yaml"),
        glossary=load_glossary(directory / "glossary.yaml"),
        mapping=load_mapping(directory / "mapping.yaml"),
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
