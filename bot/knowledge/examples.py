"""careerbot's own examples of how practitioners describe each item's work: `examples.yaml`.

Never framework content and never shown as such: the lookup matches a person's description
of their work ("booking cover doctors when a partner is off") against these as well as
against the framework's own wording ("Liaises with GPs regarding need and coordinates
process"), so that everyday words reach the right range, level or career item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from bot.knowledge.common import Frozen, KebabId, Text
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml, validate

Examples = tuple[Text, ...]


class LevelExamples(Frozen):
    """A range's examples, one list per level of its descriptor."""

    administrative: Examples = ()
    managerial: Examples = ()
    strategic: Examples = ()


class WorkExamples(Frozen):
    """Examples per competency range (by level) and per career item ident
    (`direction:moving-in`, `training:early/mentoring-programme`, ...)."""

    authored_by: Literal["careerbot"]
    ranges: dict[KebabId, LevelExamples] = {}
    career: dict[Text, Examples] = {}

    def for_item(self, ident: str) -> tuple[tuple[str, str | None], ...]:
        """(example, level value or None) for the item with this ident."""
        levels = self.ranges.get(ident)
        if levels is not None:
            return tuple(
                (text, level)
                for level in ("administrative", "managerial", "strategic")
                for text in getattr(levels, level)
            )
        return tuple((text, None) for text in self.career.get(ident, ()))


def load_examples(path: Path, known: set[str]) -> WorkExamples:
    """Read `examples.yaml`; every range id and career ident must be one of `known`."""
    examples = validate(str(path), read_yaml(path), WorkExamples)
    for collection, idents in (("ranges", examples.ranges), ("career", examples.career)):
        unknown = sorted(set(idents) - known)
        if unknown:
            raise KnowledgeError(str(path), collection, f"unknown ids {unknown}")
    return examples
