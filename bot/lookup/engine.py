"""`LookupEngine`: free text in, one `Answer` out (an item, a question back, or "not found").

Scoring. A query's words (typos corrected) are explained by items in two ways: a name,
alias or glossary term that covers them (worth 0.85-1.0 of each word, see `items.W_*`), or
the item's own framework text containing them (worth `TEXT_WORTH`, less for long texts and
for a word that names some other item). An item's score is the idf-weighted share of the
query's words it explains. Words that name a role level, optional words (particles,
"training", "core area") and level-cue verbs ("I coordinate") that it does not use are left
out of its share; everyday words ("practice", "staff") weigh little, and in a described task
("I ...") unexplained words weigh less. Intents (a glossary question, a domain listing, a
named level, "I want to ...") shift the kinds a little.

Deciding. The best item is answered when it scores at least `FOUND` (`FOUND_DESCRIBED` for a
described task), is backed by a specific name or two words of its text, and no unrelated
item scores within `CLOSE` of it; close rivals, and two items named side by side ("clinical
or organisational audit"), are offered back as a question with titles that tell them apart.
Of two close items where one's answer contains the other's (a direction and one of its
interventions, a range and its domain) the containing one is answered. Below that, the answer
is "not found" with suggestions. A chosen range shows the level(s) named, else the level a
described task points to (its descriptor's words, then cue verbs), else all three.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import Any

from bot.knowledge.competency import Level
from bot.lookup.answer import Answer, Candidate
from bot.lookup.answering import CHOICE, SENIORITY, _Scored
from bot.lookup.choices import Choices
from bot.lookup.compare import pick_pair
from bot.lookup.elsewhere import ELSEWHERE
from bot.lookup.following import Following
from bot.lookup.followup import Followup
from bot.lookup.items import (
    W_ALIAS,
    W_CAREER_ALIAS,
    Item,
    build_items,
)
from bot.lookup.moves import direction_of_move
from bot.lookup.names import Corrector, Lexicon, Mention
from bot.lookup.overviews import overview_items, overview_of
from bot.lookup.query import (
    COMPARE_WORDS,
    DOMAIN_WORDS,
    LEAD_WORDS,
    LEVEL_WORDS,
    YEAR_WORDS,
    ParsedQuery,
    parse,
)
from bot.lookup.retrieval import TextIndex
from bot.lookup.semantic import SemanticIndex
from bot.lookup.stages import (
    STAGE_BOOST,
    STAGE_KINDS,
    STAGE_PENALTY,
    YEAR_TOKENS,
    Stages,
    direction_stages,
    ksa_stems,
    stage_map,
    stage_of_query,
)
from bot.lookup.tables import TABLE_ASKED, numbered_tables
from bot.lookup.text import GENERIC, STOPWORDS, fold, term, words

_PARENTHESES = re.compile(r"\([^)]*\)")
_LETTER = re.compile(r"[^\W\d_]")
TEXT_WORTH = 0.75  # a word found in an item's text, rather than in its name
TEXT_WORTH_ONE = 0.45  # ... when it is the only word of the query the text has
DESCRIPTION_PADDING = 0.6  # "I ...": unexplained words of a description count this much
PHRASE_FLOOR = 1.0  # a word of a name of two or more words weighs at least this much
GENERIC_WEIGHT = 0.35  # everyday job words ("practice", "staff") count for this much
OPTIONAL_WEIGHT = 0.3  # an optional word the item does not use
FOUND = 0.25  # below this, "I could not find that" (unless the meaning is close, see below)
FOUND_DESCRIBED = 0.3  # ... for work described in a sentence ("I ...", "who ...")
ELSEWHERE_MARGIN = 0.08  # how much closer to an off-topic example than to the item is "none"
DECISIVE = 0.8  # a lexical score this far ahead needs no semantic ranking
CLEAR = 0.5  # a lexical score this high answers whatever else the query holds
MEANING_SURE = 0.7  # a semantic cosine this high answers on its own ...
MEANING_AGREE = 0.4  # ... this high, when the lexical score is at least FOUND_AGREE
FOUND_AGREE = 0.15
SEMANTIC_CANDIDATES = 40
NAME_EVIDENCE = 0.5  # see _levels / _level_evidence
STRONG_LEVEL = 0.4  # one level's descriptor explains this much more of the words ...
# Words beside one word of several ranges' names that do not say which ("rotas range",
# "safety policy": Health and safety or Fire safety).
_RANGE_NOUNS = frozenset(
    term(w) for w in words("range ranges competency competencies which policy policies procedures")
)
_PERSON = r"(clinician|gp|nurse|partner|doctor|practitioner)s?\b"
# Two ranges of one name found by the same words are asked about unless the other words favour
# one this clearly ("estates project management": the premises one; "resource negotiation for
# our new clinic" is still asked).
TWIN_APART = 0.7
WEAK_LEVEL = 0.07  # ... or, with no cue verb ("I just help", "I lead"), this much more
MIN_LEVEL_SHARE = 0.2
EXAMPLE_EVIDENCE = 0.5  # a word found in careerbot's example of a level, not in its descriptor
RARE_WORD = 2.5  # a word this rare (idf) says what it names ("resilience", not "managing")
CLOSE = 0.98  # rivals scoring at least this share of the best are offered back as a question
SAME_THING_CLOSE = 0.9  # ... for a glossary entry and the item its term names
TWIN_CLOSE = 0.8  # ... for two ranges of one name, which only the words can tell apart
CLOSE_WEAK = 0.85  # ... when the best is below FOUND (a described task)
SECOND_MENTION = 0.9  # a further name of the same item, covering other words, counts less
CLAIMED = 0.5  # a word found in this item's text but naming another item counts this much
MAX_CANDIDATES = 5
MIN_OFFERS = 3  # a question back offers at least this many of the best readings
WEAK_OFFERS = 5  # a weak reading's question back offers at least this many of the best readings
TEXT_CANDIDATES = 24  # items found by their text alone that are scored in full
MAX_QUERY_CHARS = 500

KIND_BOOST = 1.06
DESCRIBED_LEVEL_BOOST = 1.04
LEVEL_PENALTY = {"domain": 0.92}  # a level was named: it belongs to a range
LEVEL_PENALTY_OTHER = 0.8
CUE_KINDS = {
    "training": ("training", "option"),
    "development": ("development",),
    "stage": ("stage",),
    "direction": ("direction",),
    "driver": ("driver",),
    "role": ("role",),
    "core": ("core",),
    "ksa": ("ksa",),
}


class LookupEngine(Following, Stages, Choices):
    """Builds every index once from a KnowledgeBase; `ask` and `resolve` are then cheap."""

    def __init__(self, kb: Any, semantic: bool = True) -> None:
        self.kb = kb
        self.items: list[Item] = build_items(kb) + overview_items(kb)
        self.semantic = SemanticIndex(self.items) if semantic else None
        self.elsewhere = self.semantic.embed(ELSEWHERE) if self.semantic else None
        self.by_ident = {item.ident: i for i, item in enumerate(self.items)}
        self.lexicon = Lexicon(self.items)
        self.text = TextIndex(self.items)
        counts = self.lexicon.word_counts.copy()
        for item in self.items:
            for text in item.texts.values():
                counts.update(words(text))
            for text, _ in item.examples:
                counts.update(words(text))
        vocabulary = set(counts) | STOPWORDS | set(LEVEL_WORDS) | COMPARE_WORDS | DOMAIN_WORDS
        vocabulary |= GENERIC | {"manager", "managers", "management", "lead", "core", "area"}
        english = self.semantic.model.words() if self.semantic is not None else frozenset()
        self.corrector = Corrector(vocabulary, counts, english, self.lexicon.word_counts)
        self.keys: dict[str, tuple[int, tuple[Level, ...] | None]] = {}
        for index, item in enumerate(self.items):
            self.keys[item.key] = (index, None)
            if item.kind == "domain":
                for level in SENIORITY:
                    self.keys[self._level_key(item, (level,))] = (index, (level,))
            if item.kind == "range":
                for level in SENIORITY:
                    self.keys[self._level_key(item, (level,))] = (index, (level,))
                for pair in ((0, 1), (1, 2), (0, 2)):
                    levels = tuple(SENIORITY[p] for p in pair)
                    self.keys[self._level_key(item, levels)] = (index, levels)
        self.kb_has_career = getattr(kb, "career", None) is not None
        self.stage_of = stage_map(self.items)
        self.ksa_stems = frozenset(s for s in ksa_stems(kb) if self.text.weight(s) >= RARE_WORD)
        self.links = self._links()
        # An item's kind of object and name without its parenthesis, for telling twins:
        # "Project management" twice, a stage's training and development tables.
        self.twin_names = [
            (type(item.obj).__name__, _PARENTHESES.sub("", item.title).strip().casefold())
            for item in self.items
        ]
        self.glossary_links = self._glossary_links()
        self.tables = {
            n: self.by_ident[i] for n, i in numbered_tables(kb).items() if i in self.by_ident
        }
        self.title_words = self._title_words()
        self.short_heads = self._short_heads()
        self.followup = Followup(direction_stages(kb))
        self._ask_cached = lru_cache(maxsize=4096)(self._ask)

    # ------------------------------------------------------------------ public API

    def ask(self, query: str, context: str | None = None) -> Answer:
        """Answer free text: a competency/career/glossary item, an overview, a comparison, a
        question back, or none. `context` is the previous answer's key (or id): a follow-up
        such as "and strategic?" is read in its light."""
        normal = " ".join(str(query).split())[:MAX_QUERY_CHARS]
        answer = self._ask_cached(normal, context or "")
        return answer if answer.query == query else replace(answer, query=query)

    def resolve(self, key: str) -> Answer:
        """The exact answer behind a candidate key (from a clarify or related button), or the
        question back behind a clarify answer's own key."""
        if key.startswith(CHOICE):
            return self._choices(key)
        target = self.keys.get(key)
        if target is None:
            return self._none(key, [])
        index, levels = target
        item = self.items[index]
        if item.kind == "domain" and levels:
            return self._domain_level_answer(key, item, levels[0], 1.0)
        if item.kind == "range":
            return self._range_answer(key, item, list(levels) if levels else list(SENIORITY), 1.0)
        return self._item_answer(key, item, 1.0)

    def candidate(self, ident: str) -> Candidate:
        item = self.items[self.by_ident[ident]]
        return Candidate(item.label, item.key)

    # ------------------------------------------------------------------ scoring

    def _links(self) -> set[tuple[int, int]]:
        """(preferred, other) pairs: when both score alike the first is answered, since its
        answer contains the other's (a range and its domain; a direction and its options)."""
        links: set[tuple[int, int]] = set()
        for i, item in enumerate(self.items):
            if item.kind == "range" and item.parent:
                links.add((i, self.by_ident[item.parent]))
        if getattr(self.kb, "career", None) is not None:
            for stage in self.kb.career.stages:
                for row in stage.development:
                    for direction in row.directions:
                        d = self.by_ident[f"direction:{direction}"]
                        for option in row.interventions:
                            links.add((d, self.by_ident[f"training:{stage.id}/{option}"]))
        return links

    def _same_thing(self, one: _Scored, other: _Scored) -> bool:
        """A glossary entry and the item its term names, read alike: one answer."""
        return (
            self.glossary_links.get(one.index) == other.index
            or self.glossary_links.get(other.index) == one.index
        ) and one.fused >= other.fused * SAME_THING_CLOSE

    def _twin_close(self, best: _Scored, close: float) -> float:
        return min(close, TWIN_CLOSE) if self.items[best.index].kind == "range" else close

    def _twins(self, one: _Scored, other: _Scored) -> bool:
        """Two ranges of one name ("Project management"): only the words can part them."""
        return self.twin_names[one.index] == self.twin_names[other.index]

    def _title_words(self) -> dict[str, list[int]]:
        """Stem -> the ranges and training options whose title uses it ("audit": Clinical
        audit, Organisational audit, Significant event audit/reporting)."""
        out: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(self.items):
            if item.kind in ("range", "option"):
                for stem_ in dict.fromkeys(term(w) for w in words(item.title)):
                    if stem_ not in STOPWORDS:
                        out[stem_].append(i)
        return dict(out)

    def _short_heads(self) -> dict[str, list[int]]:
        """Stem -> the ranges with a name of at most two words that ends in it
        ("security": Security, Data security; "rota": Rotas and work, GP rota)."""
        out: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(self.items):
            for phrase, _ in item.phrases if item.kind == "range" else ():
                stems = [s for s in map(term, words(phrase)) if s not in STOPWORDS]
                if 0 < len(stems) <= 2 and i not in out[stems[-1]]:
                    out[stems[-1]].append(i)
        return dict(out)

    def _one_word_many_titles(self, query: ParsedQuery) -> list[int]:
        """The items a one-word query could mean, when its word is in several titles
        ("meetings", "data", "budgets"), or, with no level named, is in one range's title and
        is the last word of another's short name ("security": Data security; "rota": GP rota) or of
        training options' titles ("mentoring"); not "complaints"."""
        tokens = [t for t in query.tokens if t.stem not in _RANGE_NOUNS]  # "safety policy"
        content = [t for t in tokens if t.level is None]
        if len(content) != 1 or query.compare:
            return []
        stem_ = content[0].stem
        found = self.title_words.get(stem_, [])
        exact = any(term(fold(self.items[i].title)) == stem_ for i in found)
        if exact or len(found) == 1:
            if len(content) != len(tokens) or query.glossary_intent:  # "security managerial"
                return []
            if self.items[found[0]].kind == "range":
                found = self.short_heads.get(stem_, [])
        if len(found) < 2 or len({self.items[i].kind for i in found}) > 1:
            return []
        return found

    def _glossary_links(self) -> dict[int, int]:
        """Glossary entry -> the framework item its term names ("SEA" is an alias of
        Significant event audit/reporting, "IM&T" the name of a domain): one thing, one answer."""
        names: dict[str, int] = {}
        for i, item in enumerate(self.items):
            if item.kind != "glossary":
                for phrase, _ in item.phrases:
                    names.setdefault(phrase.casefold(), i)
        return {
            i: names[item.title.casefold()]
            for i, item in enumerate(self.items)
            if item.kind == "glossary" and item.title.casefold() in names
        }

    def _weights(self, query: ParsedQuery, phrased: set[int] | None = None) -> list[float]:
        out = []
        for i, token in enumerate(query.tokens):
            weight = self.text.weight(token.stem)
            if token.generic and not (phrased and i in phrased):
                weight *= GENERIC_WEIGHT
            elif phrased and i in phrased:
                weight = max(weight, PHRASE_FLOOR)
            out.append(weight)
        return out

    def _mentions(self, query: ParsedQuery) -> list[Mention]:
        tokens = query.tokens
        return self.lexicon.mentions([t.stem for t in tokens], [t.factor for t in tokens])

    def _score(self, query: ParsedQuery, mentions: list[Mention] | None = None) -> list[_Scored]:
        tokens = query.tokens
        if not tokens:
            return []
        if mentions is None:
            mentions = self._mentions(query)
        covered: dict[int, dict[int, float]] = defaultdict(dict)
        phrased: set[int] = set()  # tokens inside a name of two or more words: not generic there
        by_item: dict[int, list[Mention]] = defaultdict(list)
        for m in mentions:
            by_item[m.item].append(m)
            if len(m.tokens) >= 2 and m.specific:
                phrased.update(m.tokens)
        for item_index, found in by_item.items():
            # The longest, best name first; further names of the item count for less.
            found.sort(key=lambda m: (-len(m.tokens) * m.weight, m.start))
            cover = covered[item_index]
            for rank, m in enumerate(found):
                worth = m.weight * (1.0 if rank == 0 else SECOND_MENTION)
                for t in m.tokens:
                    if cover.get(t, 0.0) < worth:
                        cover[t] = worth
        told = stage_of_query(query)
        if told is not None and self.kb_has_career:
            stage = f"stage:{told}"  # time in the job or the asker's age names a stage
            span = [
                i
                for i, t in enumerate(tokens)
                if t.word in YEAR_TOKENS or t.word.isdigit() or t.word in YEAR_WORDS
            ]
            cover = covered[self.by_ident[stage]]
            for t in span:
                cover[t] = max(cover.get(t, 0.0), W_CAREER_ALIAS)
            context = set(span)  # for any other item, the time in the job is context
        else:
            context = set()
        weights = self._weights(query, phrased)
        # Candidates: every named item, and the items whose text shares the most weight of the
        # query's words (an upper bound on what their text can explain; the rest cannot win).
        potential: dict[int, float] = defaultdict(float)
        for t, token in enumerate(tokens):
            if not token.generic and not token.optional and token.level is None:
                for index in self.text.items_with(token.stem):
                    potential[index] += weights[t]
        candidates = set(covered)
        candidates.update(
            sorted(potential, key=potential.__getitem__, reverse=True)[:TEXT_CANDIDATES]
        )
        # A stage named ("in my first year", "late in my career"): its tables and options.
        stages = self._named_stages(query, mentions)
        level_named = any(t.level is not None for t in tokens)
        level_tokens = {i for i, t in enumerate(tokens) if t.level is not None}
        padding = DESCRIPTION_PADDING if query.describes else 1.0
        # Per word, once: which items' text uses it (inverted index, synonyms included).
        plan = []
        for t, token in enumerate(tokens):
            hits = (
                frozenset() if token.optional else self.text.items_with_any(token.stem, token.alts)
            )
            content = not (token.generic or token.optional or token.cue) and token.level is None
            plan.append((t, token, weights[t], hits, content))
        no_glossary_text = not query.glossary_intent
        # Items named by something more than everyday words ("new", "staff").
        specific = {m.item for m in mentions if m.specific or len(m.tokens) >= 2}
        if told is not None:
            specific.update(covered)  # a stage named by time in the job
        # Words inside another item's full name of two or more words ("organisational audit").
        claimed = {
            t for m in mentions if len(m.tokens) >= 2 and m.weight >= W_ALIAS for t in m.tokens
        }
        results = []
        for index in candidates:
            item = self.items[index]
            cover = covered.get(index, {})
            in_text = [index in hits for _, _, _, hits, _ in plan]
            if no_glossary_text and item.kind == "glossary":
                in_text = [False] * len(plan)  # a definition's words are not a described task
            shared = sum(
                1
                for (_, _, _, _, content), hit in zip(plan, in_text, strict=True)
                if hit and content
            )
            worth = (TEXT_WORTH if shared >= 2 else TEXT_WORTH_ONE) * self.text.norm[index]
            got = total = 0.0
            for t, token, weight, _, _ in plan:
                by_name = cover.get(t, 0.0)
                by_text = worth * token.factor if in_text[t] else 0.0
                if by_name == 0.0 and t in claimed:
                    by_text *= CLAIMED  # the word names another item
                if token.level is not None and by_name == 0.0:
                    continue  # names a level, not this item
                if token.cue and by_name == 0.0 and by_text == 0.0:
                    continue  # "I coordinate ...": the level, not the topic
                if (token.optional or t in context) and by_name == 0.0:
                    weight *= OPTIONAL_WEIGHT
                explained = by_name if by_name > by_text else by_text
                if explained == 0.0:
                    weight *= padding
                got += weight * explained
                total += weight
            if total == 0.0 or got == 0.0:
                continue
            level_left = level_named and not level_tokens.issubset(cover)
            score = got / total * self._boost(query, item, level_left)
            if stages and item.kind in STAGE_KINDS:
                score *= STAGE_BOOST if self.stage_of[index] in stages else STAGE_PENALTY
            evidence = index in specific or shared >= 2
            results.append(_Scored(index, score, cover, evidence))
        results.sort(key=lambda r: (-r.score, -self.items[r.index].rank, r.index))
        return results

    def _boost(self, query: ParsedQuery, item: Item, level_left: bool) -> float:
        """Shifts between kinds of item from the query's intent; `level_left` says that a
        level word names a level here (it is not part of the item's name)."""
        boost = 1.0 - 0.04 * (1.0 - item.rank)
        if level_left and item.kind != "range":
            boost *= LEVEL_PENALTY.get(item.kind, LEVEL_PENALTY_OTHER)
        if query.glossary_intent:
            boost *= 1.08 if item.kind == "glossary" else 0.94
        if query.domain_intent:
            boost *= 1.1 if item.kind == "domain" else 0.96
        for cue in query.kinds:
            if item.kind in CUE_KINDS[cue]:
                boost *= KIND_BOOST
        if query.intention and item.kind == "direction":
            boost *= KIND_BOOST
        if query.describes and query.cue_level is not None and item.kind == "range":
            boost *= DESCRIBED_LEVEL_BOOST  # "I manage ...": the levels are the 2004 framework's
        return boost

    # ------------------------------------------------------------------ answering

    def _ask(self, text: str, context: str = "") -> Answer:
        query = parse(text, self.corrector)
        if context.startswith(CHOICE):  # "the one under population care"
            chosen = self._choice(text, query, context)
            if chosen is not None:
                return chosen
        prior = self._context(context) if context else None
        if prior is not None:
            followed = self._follow(text, query, *prior)
            if followed is not None:
                return followed
        answer = self._fresh(text, query)
        if (
            prior is not None
            and len(prior[1]) == 1
            and answer.range_id
            and len(answer.levels) == 3
            and self.followup.carries_level(query)
        ):  # "what about complaints", after "finance managerial"
            item = self.items[self.by_ident[answer.range_id]]
            return self._range_answer(text, item, list(prior[1]), answer.score)
        return answer

    def _fresh(self, text: str, query: ParsedQuery) -> Answer:
        """The answer to a query read on its own."""
        if query.domain_number is not None and 1 <= query.domain_number <= len(
            self.kb.competency.domains
        ):
            domain = self.kb.competency.domains[query.domain_number - 1]
            item = self.items[self.by_ident[f"domain:{domain.id}"]]
            return self._item_answer(text, item, 1.0)
        if text.startswith("/") or len(_LETTER.findall(text)) < 2:  # a command; "t@]7"
            return self._none(text, [])
        if query.off_topic:  # small talk, patients, tasks: suggest what its words relate to
            return self._none(text, self._score(query))
        cited = TABLE_ASKED.search(text.casefold())
        if cited and not query.compare and int(cited.group(1)) in self.tables:  # "table 4"
            return self._item_answer(text, self.items[self.tables[int(cited.group(1))]], 1.0)
        overviews = [
            self.items[self.by_ident[i]] for i in overview_of(query.folded) if i in self.by_ident
        ]
        if len(overviews) == 1:
            return self._item_answer(text, overviews[0], 1.0)
        if overviews:
            return self._clarify(
                text, query, [_Scored(self.by_ident[o.ident], 1.0, {}) for o in overviews]
            )
        move = None if query.compare else direction_of_move(query.folded)
        if move is not None:  # "ex army officer thinking about practice management"
            return self._item_answer(text, self.items[self.by_ident[f"direction:{move}"]], 1.0)
        mentions = self._mentions(query)  # read once: comparison, stage tables, scoring
        if query.compare:
            pair = pick_pair(self.items, mentions, query.pivot)
            if pair is not None:
                pair = self._of_stages(query, pair, mentions)
                named = {t.level for t in query.tokens if t.level}
                level = named.pop() if len(named) == 1 else None
                return self._compare_answer(text, pair, level)
        table = self._stage_table(query, mentions)
        if table is not None:
            return self._item_answer(text, self.items[table], 1.0)
        many = self._one_word_many_titles(query)  # "qualification": the options so named
        if not many and (tables := self._tables_of_every_stage(query, mentions)):
            return self._clarify(text, query, [_Scored(i, 1.0, {}) for i in tables])
        scored = self._score(query, mentions)
        if not self._decisive(scored):
            scored = self._with_meaning(text, scored)
        if many:
            order = {r.index: n for n, r in enumerate(scored)}
            many.sort(key=lambda i: order.get(i, len(order)))
            chosen = [_Scored(i, 1.0, {}) for i in many[:MAX_CANDIDATES]]
            return self._clarify(text, query, chosen)
        stage = self._stage_asked(query, scored)
        if stage is not None:  # "which stage are most practice managers in"
            return self._item_answer(text, self.items[stage], 1.0)
        driver = self._driver_told(query, scored)
        if driver is not None:  # "what motivates me is bringing on new managers"
            return self._item_answer(text, self.items[driver.index], driver.score)
        if not scored or not self._found(text, query, scored[0]):
            return self._none(text, scored)
        best = self._beyond_stage(query, scored)
        if best is not scored[0]:  # the stage was the asker's context, not the question
            scored = [best, *(r for r in scored[1:] if r is not best)]
        # A weakly supported reading of a described task is offered with its near rivals.
        close = CLOSE if best.score >= FOUND else CLOSE_WEAK
        stages = self._named_stages(query, mentions)
        # A range read from the words is the competency framework's: no career item rivals it.
        work = self.items[best.index].kind == "range"
        bare = len(query.tokens) == 1  # "IM&T", "SEA": perhaps an abbreviation alone
        near = [
            r
            for r in scored[1:]
            if (bare and self._same_thing(r, best))
            or (
                not self._of_other_stage(r, best, stages)
                and not (work and not self.items[r.index].is_competency)
                and (
                    r.fused >= best.fused * close
                    or (
                        self._twins(r, best)
                        and (
                            r.score >= best.score * self._twin_close(best, close)
                            or (
                                bool(best.covered)
                                and set(r.covered) == set(best.covered)
                                and r.score >= best.score * TWIN_APART
                            )
                        )
                    )
                )
            )
        ]
        # Of two close readings, one of which contains the other (a direction and one of its
        # interventions, a range and its domain), answer the containing one.
        preferred = next((r for r in near if (r.index, best.index) in self.links), None)
        if preferred is not None:
            near = [best] + [r for r in near if r is not preferred]
            best = preferred
        rivals = [r for r in near if (best.index, r.index) not in self.links]
        if len(rivals) == 1 and {best.index, rivals[0].index} & set(self.glossary_links):
            both = {best.index, rivals[0].index}
            glossary = next(i for i in both if i in self.glossary_links)
            typed = fold(self.items[glossary].title) in fold(text)  # the abbreviation itself
            if self.glossary_links[glossary] in both and typed:
                return self._glossary_with_item(text, glossary, best.score)
        if not rivals and query.alternatives and len(scored) > 1:
            # "clinical or organisational audit": two items named side by side -> ask which.
            other = next((r for r in scored[1:] if r.covered and r.score >= FOUND), None)
            if other is not None and best.covered and not set(best.covered) >= set(other.covered):
                rivals = [other]
        option = self._other_option(query, best, scored)
        if option is not None:  # "mentoring or coaching programme for an established pm"
            return self._compare_answer(text, (best.index, option), None)
        if rivals:
            chosen = [best, *rivals]
            if best.score < CLEAR:  # a task read weakly: offer the next readings too
                chosen += [r for r in scored[1:WEAK_OFFERS] if r not in chosen]
            else:  # at least the next reading after the close ones
                chosen += [r for r in scored[1:MIN_OFFERS] if r not in chosen]
            return self._clarify(text, query, chosen[:MAX_CANDIDATES])
        item = self.items[best.index]
        linked = self.glossary_links.get(best.index)
        if (
            linked is not None
            and self.items[linked].kind == "range"
            and fold(item.title) not in fold(text).split()
            and not query.glossary_intent
        ):  # "significant event audit": the range the entry's words name, not "SEA"
            best, item = _Scored(linked, best.score, best.covered), self.items[linked]
        if item.kind == "range":
            levels = self._levels(query, best)
            return self._range_answer(text, item, levels, best.score)
        named = {t.level for t in query.tokens if t.level}
        if item.kind == "domain" and len(named) == 1:  # "finance managerial"
            return self._domain_level_answer(text, item, named.pop(), best.score)
        return self._item_answer(text, item, best.score)

    def _with_meaning(self, text: str, scored: list[_Scored]) -> list[_Scored]:
        """The lexical candidates with their semantic closeness, and the items close in
        meaning that no word of the query found; best first by the fused score."""
        if self.semantic is None:
            return scored
        by_index = {r.index: r for r in scored}
        for index, level, cosine in self.semantic.rank(text, k=SEMANTIC_CANDIDATES):
            found = by_index.get(index)
            if found is None:
                found = by_index[index] = _Scored(index, 0.0, {}, evidence=False)
            found.meaning, found.meaning_level = cosine, level
        ranked = list(by_index.values())
        ranked.sort(key=lambda r: (-r.fused, -self.items[r.index].rank, r.index))
        return ranked

    @staticmethod
    def _decisive(scored: list[_Scored]) -> bool:
        """The words alone settle it: a named item far ahead of the next (no need to weigh
        meaning, which costs most of a query's time)."""
        if not scored or not scored[0].evidence or scored[0].score < DECISIVE:
            return False
        return len(scored) == 1 or scored[1].score < scored[0].score * CLOSE_WEAK

    def _found(self, text: str, query: ParsedQuery, best: _Scored) -> bool:
        """Is the best reading good enough to answer (or to ask about its close rivals)?
        Below `CLEAR` the query must read as words, not as letters and digits, and be closer
        in meaning to the item than to the questions the frameworks do not cover."""
        if best.evidence and best.score >= CLEAR:
            return True
        if not self._wordy(query) or self._asked_elsewhere(text, best):
            return False
        if best.evidence and best.score >= (FOUND_DESCRIBED if query.describes else FOUND):
            return True
        if best.score == 0.0 and self.items[best.index].kind == "glossary":
            return False  # an abbreviation's entry is found by its letters, not by likeness
        if best.meaning >= MEANING_SURE:
            return True
        return best.meaning >= MEANING_AGREE and best.score >= FOUND_AGREE

    def _asked_elsewhere(self, text: str, best: _Scored) -> bool:
        if self.semantic is None or self.elsewhere is None:
            return False
        return self.semantic.closest(text, self.elsewhere) >= best.meaning + ELSEWHERE_MARGIN

    def _wordy(self, query: ParsedQuery) -> bool:
        """Most of the query is words people write: known words of two or more letters, or
        alphabetic ones of three or more (not "s", "8", "xl1")."""
        tokens = query.tokens
        vocab = self.corrector.vocab
        real = sum(
            1
            for t in tokens
            if t.word.isalpha() and (len(t.word) >= 3 or (len(t.word) == 2 and t.word in vocab))
        )
        return bool(tokens) and real >= 0.6 * len(tokens)

    def _levels(self, query: ParsedQuery, best: _Scored) -> list[Level]:
        """Which levels of the chosen range to show."""
        named = {t.level for i, t in enumerate(query.tokens) if t.level and i not in best.covered}
        if query.all_levels:
            return list(SENIORITY)
        cued = self._cue_in_text(query, best)
        led = all(  # the level named only by "lead", "leading": a verb the text may use
            t.word in LEAD_WORDS
            for i, t in enumerate(query.tokens)
            if t.level and i not in best.covered
        )
        if named and not (cued and (named == {query.cue_level} or led)):
            return [lv for lv in SENIORITY if lv in named]
        # Work described: which level's descriptor explains the words best?
        uncovered = any(
            i not in best.covered and t.level is None and not t.optional
            for i, t in enumerate(query.tokens)
        )
        if query.describes or uncovered:
            if cued:
                return [cued]  # the asker's own verb, where the framework uses it
            level, margin = self._level_evidence(query, best, name_weight=NAME_EVIDENCE)
            if level is not None and margin >= STRONG_LEVEL:
                return [level]  # one descriptor says it in the person's words
            if level is not None and margin >= WEAK_LEVEL and level.value == best.meaning_level:
                return [level]  # ... or its words and its meaning agree, whatever the verb
            if query.cue_level is not None:  # "I just help", "I coordinate", "I lead"
                return [query.cue_level]
            if level is not None and margin >= WEAK_LEVEL:
                return [level]
            if best.meaning_level is not None:  # the descriptor closest in meaning
                return [Level(best.meaning_level)]
        elif query.cue_level is not None:
            return [query.cue_level]
        return list(SENIORITY)

    def _cue_in_text(self, query: ParsedQuery, best: _Scored) -> Level | None:
        """The one level whose descriptor uses the asker's own cue verb, when only one does and
        the verb alone would say another: "I lead the fix" is Managerial where the framework
        says a manager "leads crisis resolution" and its strategic text says nothing of
        leading."""
        item = self.items[best.index]
        if item.kind != "range":
            return None
        cues = [t for t in query.tokens if t.cue or t.word in LEAD_WORDS]
        using = {
            lv
            for lv in SENIORITY
            for t in cues
            if re.search(
                rf"\b{re.escape(t.stem)}\w*\b(?! {_PERSON})", getattr(item.obj, lv.value), re.I
            )
        }  # the verb, not a person: "leads crisis resolution", not "with lead clinician"
        if len(using) == 1 and (level := next(iter(using))) != query.cue_level:
            return level
        return None

    def _level_evidence(
        self, query: ParsedQuery, best: _Scored, name_weight: float
    ) -> tuple[Level | None, float]:
        """The level whose descriptor uses the most of the query's words (idf-weighted share;
        words of the range's name count `name_weight`), and its lead over the next level."""
        parts = self.text.part_stems[best.index]
        weights = self._weights(query)
        content = [
            (weights[i] * (name_weight if i in best.covered else 1.0), t)
            for i, t in enumerate(query.tokens)
            if t.level is None and not t.optional
        ]
        total = sum(w for w, _ in content)
        if total <= 0.0:
            return None, 0.0
        examples = self.text.example_stems[best.index]
        share = {
            lv: sum(
                w
                if t.matches(parts[lv.value])
                else w * EXAMPLE_EVIDENCE
                if t.matches(examples.get(lv.value, frozenset()))
                else 0.0
                for w, t in content
            )
            / total
            for lv in SENIORITY
        }
        ranked = sorted(SENIORITY, key=lambda lv: -share[lv])
        top, second = share[ranked[0]], share[ranked[1]]
        if top < MIN_LEVEL_SHARE:
            return None, 0.0
        return ranked[0], top - second
