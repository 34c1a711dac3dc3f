"""Follow-ups: what a short question means in the light of the answer before it.

The half of `LookupEngine` that reads a context key: the item and levels of the last answer
("and strategic?", "what does that stand for"), or the candidates of a question back ("the one
under Population Care"). What the words of a follow-up ask for is read in `followup.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from bot.knowledge.competency import Level
from bot.lookup import format as fmt
from bot.lookup.answer import Answer, Candidate
from bot.lookup.answering import CHOICE, SENIORITY, Answering, _Scored
from bot.lookup.compare import COMPARABLE
from bot.lookup.followup import RELEVEL, Followup, Reading
from bot.lookup.items import Item
from bot.lookup.names import Corrector, Mention
from bot.lookup.query import ParsedQuery, parse
from bot.lookup.text import STOPWORDS, term, words

NAMED = 0.5  # a lexical score this high names an item outright (the engine's CLEAR)
TERM_RANGE = 0.8  # a range this close to an abbreviation covers it ...
TERM_RANGE_LEAD = 0.8  # ... when the next range scores at most this share of it
# The kind of item asked for after an abbreviation ("which range covers it", "which core area
# is that in", "what domain is it under").
_WHICH_KIND = (
    (re.compile(r"\b(range|ranges|competency|competencies|competence)\b"), "range"),
    (re.compile(r"\b(core area|core areas|area|areas|core)\b"), "core"),
    (re.compile(r"\b(domain|domains)\b"), "domain"),
)
_WHICH_DOMAIN = re.compile(r"\b(which|what) domain\b|\bdomain (is|s) (it|that|this) (in|under)\b")


class Following(Answering):
    """Context keys in, items out (mixed into `LookupEngine`, which has the indexes)."""

    # set by LookupEngine, which mixes this in
    keys: dict[str, tuple[int, tuple[Level, ...] | None]]
    resolve: Callable[[str], Answer]
    _score: Callable[[ParsedQuery], list[_Scored]]
    _with_meaning: Callable[[str, list[_Scored]], list[_Scored]]
    corrector: Corrector
    _mentions: Callable[[ParsedQuery], list[Mention]]
    twin_names: list[tuple[str, str]]
    followup: Followup
    _level_evidence: Callable[[ParsedQuery, _Scored, float], tuple[Level | None, float]]
    _the_one_option: Callable[[ParsedQuery, str], int | None]

    def _range_of_term(self, text: str, query: ParsedQuery, item: Item) -> Answer | None:
        """After an abbreviation, "which range covers it" (or core area, or domain): the item
        of that kind whose text uses the term, when one clearly does (QOF: Claims/targets/
        quality payments, and the core area Contract management; SEA, LIFT, ARRS)."""
        if item.kind != "glossary":
            return None
        kind = next((k for pattern, k in _WHICH_KIND if pattern.search(query.folded)), None)
        if kind is None:
            return None
        term_query = parse(item.title, self.corrector)
        found = [
            r
            for r in self._with_meaning(item.title, self._score(term_query))
            if self.items[r.index].kind == kind
        ]
        if not found or found[0].fused < TERM_RANGE:
            return None
        if len(found) > 1 and found[1].fused > found[0].fused * TERM_RANGE_LEAD:
            return None
        chosen = self.items[found[0].index]
        if kind == "range":
            return self._range_answer(text, chosen, list(SENIORITY), 1.0)
        return self._item_answer(text, chosen, 1.0)

    def _domain_of(self, text: str, query: ParsedQuery, item: Item) -> Answer | None:
        """ "which domain is that in" after a range, or after the abbreviation of one (SEA):
        the range's domain."""
        if not _WHICH_DOMAIN.search(query.folded):
            return None
        linked = self.glossary_links.get(self.by_ident[item.ident])
        if item.kind == "glossary" and linked is not None:
            item = self.items[linked]
        if item.kind != "range" or item.parent is None:
            return None
        return self._item_answer(text, self.items[self.by_ident[item.parent]], 1.0)

    def _context(self, context: str) -> tuple[Item, tuple[Level, ...]] | None:
        """The item (and levels shown) of a previous answer, from its key or id."""
        if context in self.keys:
            index, levels = self.keys[context]
            return self.items[index], levels or ()
        if context in self.by_ident:
            return self.items[self.by_ident[context]], ()
        return None

    def _choices(self, key: str) -> Answer:
        """A question back, from its key: its candidates' keys."""
        keys = [k for k in key[len(CHOICE) :].split("|") if k in self.keys]
        if not keys:
            return self._none(key, [])
        candidates = []
        for k in keys:
            index, levels = self.keys[k]
            item = self.items[index]
            title = item.label
            if item.kind == "range" and levels and len(levels) == 1:
                title = f"{item.label} – {levels[0].label}"
            candidates.append(Candidate(title, k))
        titles = tuple(c.title for c in candidates)
        return Answer(
            query=key,
            kind="clarify",
            answer=fmt.clarify_answer(titles),
            suggestions=titles,
            score=1.0,
            candidates=tuple(candidates),
            key=key,
        )

    def _choice(self, text: str, query: ParsedQuery, context: str) -> Answer | None:
        """The candidate of a question back that a follow-up picks, by the words of its label
        ("the one under population care", "the IT one"), else by the fused score."""
        options = {self.keys[k][0]: k for k in context[1:].split("|") if k in self.keys}
        if not options:
            return None
        stems = {t.stem for t in query.tokens}
        overlap = {
            i: len(stems & {term(w) for w in words(self.items[i].label)} - STOPWORDS)
            for i in options
        }
        best = max(overlap, key=overlap.__getitem__)
        if overlap[best] == 0 or list(overlap.values()).count(overlap[best]) > 1:
            scored = self._with_meaning(text, self._score(query))
            first = scored[0] if scored else None
            kinds = {self.items[i].kind for i in options}
            if (
                first
                and first.index not in options
                and self.items[first.index].kind in kinds
                and first.evidence
                and first.score >= NAMED
            ):
                return None  # "and legacy?" names another of their kind: answered on its own
            fused = [r for r in scored if r.index in options]
            if not fused or fused[0].fused <= 0.0:
                return None
            best = fused[0].index
        return replace(self.resolve(options[best]), query=text)

    def _abbreviation_of(self, item: Item) -> Item | None:
        """The glossary entry for an abbreviation the item is named by (SEA, PHCT, IM&T)."""
        index = self.by_ident[item.ident]
        for glossary, named in self.glossary_links.items():
            if named == index:
                return self.items[glossary]
        title = item.title
        return next(
            (
                g
                for g in self.items
                if g.kind == "glossary" and re.search(rf"\b{re.escape(g.title)}\b", title)
            ),
            None,
        )

    def _reading(self, text: str, reading: Reading) -> Answer:
        item = self.items[self.by_ident[reading.ident]]
        if item.kind == "range":
            return self._range_answer(text, item, list(reading.levels or SENIORITY), 1.0)
        if item.kind == "domain" and reading.levels:
            return self._domain_level_answer(text, item, reading.levels[0], 1.0)
        return self._item_answer(text, item, 1.0)

    def _listed(self, item: Item) -> list[int]:
        """The items an answer lists, in its order: a domain's ranges, an overview's items,
        a stage's training options."""
        if item.kind == "domain":
            return [i for i, it in enumerate(self.items) if it.parent == item.ident]
        if item.kind == "training":
            stage = item.obj.id
            return [
                i
                for i, it in enumerate(self.items)
                if it.kind == "option" and it.extra is not None and it.extra.id == stage
            ]
        kind = _LISTS.get(item.ident)
        if kind is None:
            return []
        return [i for i, it in enumerate(self.items) if it.kind == kind]

    def _pick(self, text: str, query: ParsedQuery, item: Item) -> Answer | None:
        """One item of a list just shown: "the appraisal one" after the HR ranges, "the middle
        one" after the stages, "tell me more about estates" after the core areas."""
        listed = self._listed(item)
        table = self.by_ident.get(f"training:{item.obj.id}") if item.kind == "stage" else None
        if table is not None:  # "is there a network for that": the stage's options, by name
            listed = self._listed(self.items[table])
        if not listed or len(query.tokens) > MAX_PICK_WORDS:
            return None
        ordinal = None if _LASTS.search(query.folded) else _ORDINAL.search(query.folded)
        numbered = _NUMBERED.search(query.folded)
        if numbered and item.kind != "stage" and 1 <= int(numbered.group(2)) <= len(listed):
            return self._picked(text, query, self.items[listed[int(numbered.group(2)) - 1]])
        if ordinal and item.kind != "stage":
            named = ORDINALS[ordinal.group(1)]
            at = named if isinstance(named, int) else len(listed) // 2
            if named == "middle" and not len(listed) % 2:
                return None  # no middle one in an even list
            if -len(listed) <= at < len(listed):
                return self._picked(text, query, self.items[listed[at]])
            return None
        stems = {t.stem for t in query.tokens} - PICK_FILLER
        if not stems:
            return None
        overlap = {i: len(stems & self._name_stems(self.items[i])) for i in listed}
        best = max(overlap.values())
        if best and list(overlap.values()).count(best) > 1:  # the title's words first
            titled = {i: len(stems & _stems(self.items[i].title)) for i in listed}
            overlap = {i: n + titled[i] for i, n in overlap.items()}
            best = max(overlap.values())
        winners = [i for i, n in overlap.items() if n == best]
        if best == 0 and _ONE.search(query.folded):  # "the money one": the closest in meaning
            fused = [r for r in self._with_meaning(text, self._score(query)) if r.index in listed]
            winners = [fused[0].index] if fused and fused[0].meaning >= PICK_MEANING else []
        elif best == 0 or len(winners) > 1:
            return None
        if len(winners) != 1:
            return None
        return self._picked(text, query, self.items[winners[0]])

    def _picked(self, text: str, query: ParsedQuery, item: Item) -> Answer:
        """The item picked from a list, at the level the pick names ("drawings at strategic")."""
        named = {t.level for t in query.tokens if t.level is not None}
        if item.kind == "range" and len(named) == 1:
            return self._range_answer(text, item, [named.pop()], 1.0)
        return replace(self.resolve(item.key), query=text)

    def _follow(
        self, text: str, query: ParsedQuery, context: Item, levels: tuple[Level, ...]
    ) -> Answer | None:
        """The answer to a follow-up of `context` (shown at `levels`), or None: read it fresh."""
        twin = self._twin_named(query, context)
        if twin is not None:  # "and the population care one?" after its namesake
            return self._range_answer(text, twin, list(levels or SENIORITY), 1.0)
        other = self._compared_with(query, context)
        if other is not None:  # "how is that different from a practice manager"
            pair = (self.by_ident[context.ident], other)
            level = levels[0] if len(levels) == 1 else None
            return self._compare_answer(text, pair, level)
        reading = self.followup.read(query, context, levels)
        linked = self.glossary_links.get(self.by_ident[context.ident])
        if reading is None and linked is not None:  # "SEA", then "the admin level of it"
            reading = self.followup.read(query, self.items[linked], ())
        if reading is not None and reading.abbreviation:
            entry = self._abbreviation_of(context)
            if entry is not None:
                return self._item_answer(text, entry, 1.0)
        elif reading is not None and reading.ident not in self.by_ident and reading.fallback:
            stage = reading.ident.split(":")[1].split("/")[0]
            reading = Reading(self._counterpart(context, stage) or f"{reading.fallback}:{stage}")
        if reading is not None and reading.ident in self.by_ident:
            kind, _, stage = reading.ident.partition(":")
            option = self._the_one_option(query, stage) if kind == "training" else None
            if option is not None:  # "what qualification should i do then": the stage's one
                return self._item_answer(text, self.items[option], 1.0)
            return self._reading(text, reading)
        picked = self._pick(text, query, context)
        if picked is not None:
            return picked
        return (
            self._domain_of(text, query, context)
            or self._range_of_term(text, query, context)
            or self._relevelled(text, query, context)
        )

    def _relevelled(self, text: str, query: ParsedQuery, context: Item) -> Answer | None:
        """The range in view at the level whose descriptor tells the work added ("what if i
        also assess how many locums we need" after drafting GP rotas: Managerial, "assesses
        locum needs"), rather than another range the added words name."""
        if context.kind != "range" or not RELEVEL.search(query.folded):
            return None
        level, margin = self._level_evidence(
            query, _Scored(self.by_ident[context.ident], 1.0, {}), 1.0
        )
        if level is None or margin < RELEVEL_MARGIN:
            return None
        return self._range_answer(text, context, [level], 1.0)

    def _counterpart(self, option: Item, stage: str) -> str | None:
        """The option of another stage most like this one by its title's words, when one
        alone shares any: the late career's "Mentor" for the early "Mentoring programme",
        "Level 7 specialist apprenticeships" for "Level 6 Business Administration
        Apprenticeship"."""
        mine = _stems(option.title) - _COUNTERPART_FILLER
        shared = {
            it.ident: len(mine & _stems(it.title))
            for it in self.items
            if it.kind == "option" and it.extra is not None and it.extra.id == stage
        }
        best = max(shared.values(), default=0)
        winners = [ident for ident, n in shared.items() if n == best]
        return winners[0] if best and len(winners) == 1 else None

    def _twin_named(self, query: ParsedQuery, context: Item) -> Item | None:
        """The range of the context's name in the other domain the query names."""
        if context.kind != "range":
            return None
        name = self.twin_names[self.by_ident[context.ident]]
        domains = {self.items[m.item].ident for m in self._mentions(query)}
        return next(
            (
                item
                for i, item in enumerate(self.items)
                if self.twin_names[i] == name and item is not context and item.parent in domains
            ),
            None,
        )

    def _compared_with(self, query: ParsedQuery, context: Item) -> int | None:
        """The one item of the context's kind that a comparison names beside "that"; after a
        stage's table, a stage named is that stage's table ("how is it different from early")."""
        tables = context.kind in ("ksa", "training")
        if not query.compare or not (context.kind in COMPARABLE or tables):
            return None
        named = set()
        for m in self._mentions(query):
            index: int | None = m.item
            if tables and self.items[m.item].kind == "stage":  # that stage's table
                index = self.by_ident.get(f"{context.kind}:{self.items[m.item].obj.id}")
            if index is None:
                continue
            if self.items[index].kind == context.kind and self.items[index] is not context:
                named.add(index)
        return named.pop() if len(named) == 1 else None

    @staticmethod
    def _name_stems(item: Item) -> set[str]:
        return set().union(_stems(item.title), *(_stems(p) for p, _ in item.phrases))


def _stems(name: str) -> set[str]:
    return {term(w) for w in words(name)} - STOPWORDS


MAX_PICK_WORDS = 6
RELEVEL_MARGIN = 0.2  # a level's descriptor tells this much more of the added work
# Words many options' titles share, which make no two of them counterparts.
_COUNTERPART_FILLER = _stems("programme training primary care and the")
PICK_MEANING = 0.3  # "the money one" picks the listed item this close in meaning
_ONE = re.compile(r"\b(one|bit|part|area|thing)\b")
_LISTS = {
    "overview:domains": "domain",
    "overview:ranges": "range",
    "overview:stages": "stage",
    "overview:directions": "direction",
    "overview:core-areas": "core",
    "overview:roles": "role",
    "overview:drivers": "driver",
    # the framework's own sections that list the same
    "section:career-directions": "direction",
    "section:career-drivers": "driver",
    "section:common-primary-care-management-roles": "role",
    "section:core-knowledge-skills-and-abilities": "core",
}
ORDINALS: dict[str, int | str] = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
    "middle": "middle",
}
_NUMBERED = re.compile(r"\b(number|no|num|#) ?(\d{1,2})\b")  # "whats in number 6"
_LASTS = re.compile(r"\b(does|do|did|will|would|it|one|that|this) last\b")  # a verb: how long
_ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r")( one)?\b")
PICK_FILLER = frozenset(
    term(w)
    for w in words(
        "the one ones that this about more tell me on what whats is it and please show "
        "which bit part area thing option options here there"
    )
)
