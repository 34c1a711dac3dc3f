"""careerbot's own mapping from the 12 core areas (2024) to the 9 domains (2004): `mapping.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.knowledge.career import EXPECTED_CORE_AREAS, CareerFramework
from bot.knowledge.common import (
    Frozen,
    KebabId,
    Text,
    check_count,
    check_unique,
    item_at,
)
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml, validate

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


class Domain(Frozen):
    """A competency-framework domain as the mapping refers to it."""

    id: KebabId
    number: int
    title: Text


class CoreAreaLink(Frozen):
    """careerbot's link from one 2024 core area to 1-3 of the 2004 domains."""

    core_area: KebabId
    domains: tuple[KebabId, ...] = Field(min_length=1, max_length=MAX_DOMAINS_PER_CORE_AREA)
    rationale: Text


class CoreAreaMapping(Frozen):
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
                file, item_at("domains", index - 1, domain.title), f"number should be {index}"
            )
    check_count(file, mapping.core_areas, "core_areas", EXPECTED_CORE_AREAS, "core areas")
    check_unique(file, "core_areas", [c.core_area for c in mapping.core_areas], "core area")
    for index, link in enumerate(mapping.core_areas):
        where = item_at("core_areas", index, link.core_area)
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
