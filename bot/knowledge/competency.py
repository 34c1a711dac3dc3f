"""The 2004 competency framework for practice management: 9 domains, 84 ranges, 3 role levels."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator

from bot.knowledge.common import Frozen
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import load_model

EXPECTED_DOMAINS = 9
EXPECTED_RANGES = 84


class Level(StrEnum):
    """The framework's three role levels, in order of seniority."""

    ADMINISTRATIVE = "administrative"
    MANAGERIAL = "managerial"
    STRATEGIC = "strategic"

    @property
    def label(self) -> str:
        """The name as the framework prints it, e.g. "Managerial"."""
        return self.value.capitalize()


class Range(Frozen):
    """One row of a domain table: a range of work with a descriptor per level."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    administrative: str = Field(min_length=1)
    managerial: str = Field(min_length=1)
    strategic: str = Field(min_length=1)
    source: str

    def descriptor(self, level: Level) -> str:
        descriptor: str = getattr(self, level.value)
        return descriptor


class Domain(Frozen):
    id: str
    number: int
    name: str
    aliases: tuple[str, ...] = ()
    source: str
    ranges: tuple[Range, ...] = Field(min_length=1)


class LevelInfo(Frozen):
    id: Level
    name: str
    column: str


class DocumentInfo(Frozen):
    id: str
    title: str
    year: int
    note: str


class CompetencyFramework(Frozen):
    document: DocumentInfo
    levels: tuple[LevelInfo, ...]
    domains: tuple[Domain, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> CompetencyFramework:
        seen: set[str] = set()
        for domain in self.domains:
            for rng in domain.ranges:
                if rng.id in seen:
                    raise ValueError(f"range id {rng.id!r} ({rng.name}) is used twice")
                seen.add(rng.id)
        return self

    @property
    def ranges(self) -> tuple[Range, ...]:
        return tuple(r for d in self.domains for r in d.ranges)

    def domain(self, domain_id: str) -> Domain:
        return next(d for d in self.domains if d.id == domain_id)

    def domain_of(self, range_id: str) -> Domain:
        return next(d for d in self.domains if any(r.id == range_id for r in d.ranges))


def load_competency(path: Path) -> CompetencyFramework:
    """Load `competency.yaml`, failing with the file and item when it is malformed or incomplete."""
    framework = load_model(path, CompetencyFramework)
    if len(framework.domains) != EXPECTED_DOMAINS:
        raise KnowledgeError(
            str(path),
            "domains",
            f"has {len(framework.domains)} domains, expected {EXPECTED_DOMAINS}",
        )
    if len(framework.ranges) != EXPECTED_RANGES:
        raise KnowledgeError(
            str(path),
            "domains[*].ranges",
            f"has {len(framework.ranges)} ranges, expected {EXPECTED_RANGES}",
        )
    return framework
