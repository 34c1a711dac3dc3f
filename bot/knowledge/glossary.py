"""The glossary of abbreviations in both seeds: `knowledge/glossary.yaml` as immutable models."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from bot.knowledge.common import (
    Aliases,
    Authorship,
    Frozen,
    KebabId,
    Text,
    check_unique,
    item_at,
    norm,
)
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.yamlfile import read_yaml, validate


class GlossaryEntry(Frozen):
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


class Glossary(Frozen):
    entries: tuple[GlossaryEntry, ...] = Field(min_length=1)

    def lookup(self, word: str) -> GlossaryEntry | None:
        """The entry whose term or alias is `word` (case-insensitive; a plural "s" is allowed)."""
        wanted = norm(word)
        candidates = {wanted}
        if wanted.endswith("s") and len(wanted) > 2:
            candidates.add(wanted[:-1])
        for entry in self.entries:
            names = {norm(entry.term), *(norm(a) for a in entry.aliases)}
            if names & candidates:
                return entry
        return None


def load_glossary(path: str | Path) -> Glossary:
    """Read knowledge/glossary.yaml; raise KnowledgeError if malformed or inconsistent."""
    file = str(path)
    glossary = validate(file, read_yaml(Path(path)), Glossary)
    check_unique(file, "entries", [e.id for e in glossary.entries], "id")
    check_unique(file, "entries", [e.term.casefold() for e in glossary.entries], "term")
    terms = {e.term.casefold(): e.term for e in glossary.entries}
    for index, entry in enumerate(glossary.entries):
        for alias in entry.aliases:
            other = terms.get(alias.casefold())
            if other is not None and other != entry.term:
                raise KnowledgeError(
                    file, item_at("entries", index, entry.term), f"alias '{alias}' is term {other}"
                )
    return glossary
