"""Turning a chosen item (or none) into an `Answer`: the text, its levels and its buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.knowledge.competency import Level
from bot.lookup import format as fmt
from bot.lookup.answer import Answer, Candidate
from bot.lookup.compare import compare_answer
from bot.lookup.items import (
    CAREER_KINDS,
    LEVEL_CODES,
    SECTION_KINDS,
    Item,
    short_key,
)
from bot.lookup.overviews import overview_answer
from bot.lookup.query import (
    ParsedQuery,
)

# Where nothing in the frameworks is related to the words used: where to start instead.
START_HERE = ("overview:domains", "overview:levels", "overview:stages", "overview:directions")
SENIORITY = (Level.ADMINISTRATIVE, Level.MANAGERIAL, Level.STRATEGIC)


CHOICE = "?"  # a clarify answer's key: "?" and its candidates' keys, for "the one under X"
MEANING_WEIGHT = 0.6  # how much the semantic cosine adds to the lexical score when ranking


@dataclass(slots=True)
class _Scored:
    index: int
    score: float  # the lexical score: the idf-weighted share of the query's words explained
    covered: dict[int, float]  # token index -> worth, from names
    evidence: bool = True  # a specific name, or two of the query's words in the item's text
    meaning: float = 0.0  # cosine of the query and the item's closest name or text
    meaning_level: str | None = None  # for a range: the level whose descriptor is closest

    @property
    def fused(self) -> float:
        return self.score + MEANING_WEIGHT * self.meaning


class Answering:
    """The answer-building half of `LookupEngine` (which provides items, keys and the kb)."""

    # set by LookupEngine, which mixes this in
    kb: Any
    items: list[Item]
    by_ident: dict[str, int]
    glossary_links: dict[int, int]
    candidate: Callable[[str], Candidate]

    def _level_key(self, item: Item, levels: tuple[Level, ...]) -> str:
        codes = "".join(LEVEL_CODES[lv] for lv in levels)
        prefix = "r" if len(levels) == 1 else "x"
        return short_key(f"{prefix}:{item.ident}:{codes}")

    def _range_answer(self, text: str, item: Item, levels: list[Level], score: float) -> Answer:
        rng, domain = item.obj, item.extra
        single = len(levels) == 1
        if len(levels) == 3:
            key = item.key
            related = [
                Candidate(f"{rng.name} – {lv.label}", self._level_key(item, (lv,)))
                for lv in SENIORITY
            ]
        else:
            key = self._level_key(item, tuple(levels))
            related = [
                Candidate(f"{rng.name} – {lv.label}", self._level_key(item, (lv,)))
                for lv in SENIORITY
                if lv not in levels
            ]
            related.append(Candidate(f"{rng.name} – all levels", item.key))
        if item.parent is not None:  # a range's domain
            parent = self.items[self.by_ident[item.parent]]
            related.append(Candidate(parent.label, parent.key))
        return Answer(
            query=text,
            kind="competency",
            answer=fmt.range_answer(item, levels, getattr(self.kb, "glossary", None)),
            domain=domain.name,
            range=rng.name,
            level=levels[0].value if single else None,
            score=min(score, 1.0),
            related=tuple(related),
            levels=tuple(lv.value for lv in levels),
            range_id=rng.id,
            domain_id=domain.id,
            key=key,
        )

    def _domain_level_answer(self, text: str, item: Item, level: Level, score: float) -> Answer:
        """One level across a domain: each range's descriptor at that level."""
        domain = item.obj
        related = [
            Candidate(f"{domain.name} – {lv.label}", self._level_key(item, (lv,)))
            for lv in SENIORITY
            if lv is not level
        ]
        related.append(Candidate(item.label, item.key))
        return Answer(
            query=text,
            kind="competency",
            answer=fmt.domain_level_answer(item, level),
            domain=domain.name,
            level=level.value,
            score=min(score, 1.0),
            related=tuple(related),
            levels=(level.value,),
            domain_id=domain.id,
            key=self._level_key(item, (level,)),
        )

    def _item_answer(self, text: str, item: Item, score: float) -> Answer:
        if item.kind == "domain":
            domain = item.obj
            related = tuple(
                Candidate(r.name, self.items[self.by_ident[r.id]].key) for r in domain.ranges
            )
            return Answer(
                query=text,
                kind="competency",
                answer=fmt.domain_answer(item),
                domain=domain.name,
                score=min(score, 1.0),
                related=related,
                domain_id=domain.id,
                key=item.key,
            )
        if item.kind in ("overview", "ksa"):
            return Answer(
                query=text,
                kind="overview" if item.kind == "overview" else "career",
                answer=overview_answer(item, self.kb),
                topic=item.ident,
                section=item.title,
                section_kind=SECTION_KINDS[item.kind],
                score=min(score, 1.0),
                related=self._overview_related(item),
                key=item.key,
            )
        if item.kind == "glossary":
            return Answer(
                query=text,
                kind="glossary",
                answer=fmt.glossary_answer(item),
                topic=item.ident,
                section=item.title,
                section_kind=SECTION_KINDS["glossary"],
                score=min(score, 1.0),
                key=item.key,
            )
        assert item.kind in CAREER_KINDS, item.kind
        return Answer(
            query=text,
            kind="career",
            answer=fmt.career_answer(item, self.kb),
            topic=item.ident,
            section=item.title,
            section_kind=SECTION_KINDS[item.kind],
            score=min(score, 1.0),
            related=self._career_related(item),
            key=item.key,
        )

    def _glossary_with_item(self, text: str, glossary: int, score: float) -> Answer:
        """An abbreviation that is both a glossary entry and a framework item's name: the
        item when the abbreviation is its very name (IM&T), else the entry, with the other's
        text added and a button to it."""
        entry = self.items[glossary]
        item = self.items[self.glossary_links[glossary]]
        if entry.title.casefold() == item.title.casefold():
            answer = self._item_answer(text, item, score)
            extra = fmt.glossary_answer(entry).split("\n\nSource:")[0]
            return replace(answer, answer=fmt.clip(f"{extra}\n\n{answer.answer}"))
        answer = self._item_answer(text, entry, score)
        also = f"In the framework: {item.label}."
        return replace(
            answer,
            answer=fmt.clip(f"{answer.answer}\n\n{also}"),
            related=(Candidate(item.label, item.key), *answer.related),
        )

    def _compare_answer(self, text: str, pair: tuple[int, int], level: Level | None) -> Answer:
        first, second = self.items[pair[0]], self.items[pair[1]]
        return Answer(
            query=text,
            kind="compare",
            answer=compare_answer(first, second, level),
            section=f"{first.title} / {second.title}",
            section_kind="comparison",
            level=level.value if level is not None and first.kind == "range" else None,
            score=1.0,
            related=(Candidate(first.label, first.key), Candidate(second.label, second.key)),
            compared=(first.ident, second.ident),
        )

    def _overview_related(self, item: Item) -> tuple[Candidate, ...]:
        """Buttons under an overview: the items it lists (the first few)."""
        kinds = {
            "overview:domains": "domain",
            "overview:stages": "stage",
            "overview:directions": "direction",
            "overview:core-areas": "core",
            "overview:roles": "role",
        }
        kind = kinds.get(item.ident)
        if item.kind == "ksa":
            stage = item.obj.id
            return (self.candidate(f"stage:{stage}"), self.candidate(f"training:{stage}"))
        if kind is None:
            return ()
        return tuple(Candidate(i.label, i.key) for i in self.items if i.kind == kind)

    def _career_related(self, item: Item) -> tuple[Candidate, ...]:
        out: list[Candidate] = []
        if item.kind == "direction":
            seen = set()
            for stage in self.kb.career.stages:
                for row in stage.rows_for(item.obj.id):
                    for option in row.interventions:
                        ident = f"training:{stage.id}/{option}"
                        if ident not in seen:
                            seen.add(ident)
                            out.append(self.candidate(ident))
        elif item.kind in ("stage", "training", "development"):
            stage_id = item.obj.id
            idents = ("stage", "ksa", "training", "development")
            for ident in (f"{kind}:{stage_id}" for kind in idents):
                if ident != item.ident:
                    out.append(self.candidate(ident))
        elif item.kind == "option" and item.parent is not None:
            out.append(self.candidate(item.parent))
        elif item.kind == "core":
            for domain_id in self.kb.mapping.domains_for(item.obj.id):
                out.append(self.candidate(f"domain:{domain_id}"))
        return tuple(out[:8])

    def _clarify(self, text: str, query: ParsedQuery, chosen: list[_Scored]) -> Answer:
        candidates = []
        for scored in chosen:
            item = self.items[scored.index]
            named = {
                t.level
                for i, t in enumerate(query.tokens)
                if t.level is not None and i not in scored.covered
            }
            level = next(iter(named)) if len(named) == 1 else None
            if level is None and not named and query.describes:
                level = query.cue_level  # "I just collect the data for audits"
            if item.kind == "range" and level is not None:
                candidates.append(
                    Candidate(f"{item.label} – {level.label}", self._level_key(item, (level,)))
                )
            else:
                candidates.append(Candidate(item.label, item.key))
        titles = tuple(c.title for c in candidates)
        return Answer(
            query=text,
            kind="clarify",
            answer=fmt.clarify_answer(titles),
            suggestions=titles,
            score=min(chosen[0].score, 1.0),
            candidates=tuple(candidates),
            key=CHOICE + "|".join(c.key for c in candidates),
        )

    def _none(self, text: str, scored: list[_Scored]) -> Answer:
        weak = [self.items[s.index] for s in scored[:3] if s.score >= 0.3]
        if weak:
            candidates = [Candidate(i.label, i.key) for i in weak]
        else:
            candidates = [self.candidate(i) for i in START_HERE if i in self.by_ident]
        titles = tuple(c.title for c in candidates)
        return Answer(
            query=text,
            kind="none",
            answer=fmt.none_answer(titles),
            suggestions=titles,
            score=min(scored[0].score, 1.0) if scored else 0.0,
            candidates=tuple(candidates),
        )
