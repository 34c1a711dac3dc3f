"""What the lookup engine answers: the answer itself and its tappable candidates."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Candidate:
    """A button: what it says and the key `LookupEngine.resolve` answers it with."""

    title: str
    key: str


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    kind: str  # competency | career | glossary | overview | compare | clarify | none
    answer: str
    domain: str | None = None  # domain name as in the seed
    range: str | None = None  # range name as in the seed
    level: str | None = None  # lower-case level, None when several/all levels are shown
    topic: str | None = None  # career/glossary item id, e.g. "direction:moving-across"
    section: str | None = None  # the career/glossary item's title as in the seed
    section_kind: str | None = None  # e.g. "career direction", "glossary"
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    candidates: tuple[Candidate, ...] = ()
    related: tuple[Candidate, ...] = ()
    levels: tuple[str, ...] = ()  # the levels shown (competency ranges)
    range_id: str | None = None
    domain_id: str | None = None
    key: str | None = None  # resolve(key) gives this answer again
    compared: tuple[str, ...] = ()  # the ids shown side by side (kind compare)

    @property
    def ident(self) -> str | None:
        """What was answered: a range id, "domain:<id>" or the topic."""
        if self.range_id:
            return self.range_id
        if self.domain_id:
            return f"domain:{self.domain_id}"
        return self.topic

    @property
    def title(self) -> str | None:
        """The answered item's title as written in the seed (a range's or domain's name, a
        career or glossary item's title); None for a question back or "not found"."""
        return self.range or self.section or self.domain

    @property
    def item_kind(self) -> str | None:
        """What sort of item was answered, e.g. "competency range", "career direction"."""
        if self.range_id:
            return "competency range"
        if self.domain_id:
            return "competency domain"
        return self.section_kind

    def to_json(self) -> dict[str, Any]:
        """`topic` is the item's title as in the seed, `section` its kind, `id` its id and
        `key` what to pass as the next query's `context`."""
        data = {name: getattr(self, name) for name in ("query", "kind", "domain", "range", "level")}
        data["topic"] = self.title
        data["section"] = self.item_kind
        data["id"] = self.ident
        data["key"] = self.key
        data["answer"] = self.answer
        data["compared"] = list(self.compared)
        data["suggestions"] = list(self.suggestions) if self.kind in ("clarify", "none") else None
        data["score"] = round(self.score, 3)
        data["levels"] = list(self.levels)
        data["section_kind"] = self.section_kind
        data["range_id"] = self.range_id
        data["domain_id"] = self.domain_id
        data["candidates"] = [asdict(c) for c in self.candidates]
        return data

    def to_json_line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)
