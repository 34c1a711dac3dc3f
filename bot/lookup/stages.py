"""Career stages in a query: a stage named in words ("in my first year", "late in my career")
or given as time in the job ("15 yrs in"), and what follows from it: that stage's tables and
training options are favoured, other stages' items are no rivals of them, and a stage asked
with one of its tables and little else is that table ("courses for experienced managers").

The half of `LookupEngine` that reads stages (mixed in; the engine has the indexes).
"""

from __future__ import annotations

import re
from typing import Any

from bot.lookup.answering import _Scored
from bot.lookup.followup import STAGES
from bot.lookup.items import Item
from bot.lookup.names import Mention
from bot.lookup.query import YEAR_WORDS, ParsedQuery
from bot.lookup.retrieval import TextIndex
from bot.lookup.text import GENERIC, STOPWORDS, term, words, wordset

YEAR_TOKENS = wordset("year years yr yrs")
TABLE_WORDS = wordset(
    "training course courses qualification qualifications options skills abilities qualities "
    "attributes ksa ksas interventions intervention"
)
# Words many options' titles share, which name none of them.
OPTION_FILLER = frozenset(
    term(w)
    for w in words("development career option options programme training plan support primary care")
)
# Words that name one option when singular ("a qualification"), the list when plural.
ONE_OPTION_WORDS = frozenset({"qualification", "apprenticeship"})
STAGE_KINDS = frozenset({"stage", "training", "development", "ksa", "option"})
STAGE_BOOST = 1.06  # an item of the stage the query names ("a mentor in my first year") ...
STAGE_PENALTY = 0.94  # ... and one of another stage


# A stage is the asker's context, not the question, when this many other words say more, and
# one of the next readings is named by them or this much closer in meaning.
_WHICH_STAGE = re.compile(r"\b(which|what) (career )?stage\b")
MIN_BEYOND_STAGE = 2
_STAGE_ASKED = re.compile(
    r"\bstages?\b|\bwhere (do|does|would|will) (i|we|that|this) (sit|fit|stand|come|go)\b|"
    r"\bwhere am i\b|\babout me\b|\bam i (in )?(early|established|late)\b"
)
BEYOND_STAGE_READINGS = 4
BEYOND_STAGE_MEANING = 0.1
BEYOND_STAGE_KINDS = frozenset(
    {"direction", "driver", "option", "role", "core", "development", "ksa", "training"}
)


# careerbot's own reading, not the seed's (it gives the late career no age): an asker of this
# age or more is in the late career.
LATE_AGE = 55


def stage_of_query(query: ParsedQuery) -> str | None:
    """The stage the query's time in the job or the asker's age names, if any."""
    if query.years is not None:
        return stage_for_years(query.years)
    if query.age is not None and query.age >= LATE_AGE:
        return "late"
    return None


def stage_for_years(years: int) -> str:
    """The stage that time in the job names: the seed defines the early career as the first
    five years, the established career as five or more."""
    return "early" if years < 5 else "established"


def ksa_stems(kb: Any) -> frozenset[str]:
    """The stems of the attributes the stages' knowledge-skills-abilities tables name
    ("Resilience", "Self-management", "Relationship Management")."""
    career = getattr(kb, "career", None)
    if career is None:
        return frozenset()
    return frozenset(
        stem_
        for stage in career.stages
        for _, block in stage.ksa.blocks()
        for attribute in block.attributes
        for word in words(attribute)
        if (stem_ := term(word)) not in STOPWORDS and word not in GENERIC
    )


def stage_map(items: list[Item]) -> dict[int, str]:
    """Item index -> the stage of a stage, a stage's table or a training option."""
    return {
        i: item.ident.split(":", 1)[1].split("/")[0]
        for i, item in enumerate(items)
        if item.kind in STAGE_KINDS
    }


def direction_stages(kb: Any) -> dict[str, tuple[str, ...]]:
    """Direction id -> the career stages whose development table has a row for it."""
    career = getattr(kb, "career", None)
    found: dict[str, list[str]] = {}
    for stage in career.stages if career is not None else ():
        for row in stage.development:
            for direction in row.directions:
                if stage.id not in found.setdefault(direction, []):
                    found[direction].append(stage.id)
    return {d: tuple(stages) for d, stages in found.items()}


class Stages:
    """What a query's stage says (mixed into `LookupEngine`, which has the indexes)."""

    # set by LookupEngine, which mixes this in
    items: list[Item]
    by_ident: dict[str, int]
    stage_of: dict[int, str]
    kb_has_career: bool
    text: TextIndex
    ksa_stems: frozenset[str]  # the words of the knowledge-skills-abilities attributes

    def _stage_mentions(self, mentions: list[Mention]) -> list[Mention]:
        """The mentions that name a stage by more than an everyday word ("new")."""
        return [
            m
            for m in mentions
            if self.items[m.item].kind == "stage" and (m.specific or len(m.tokens) >= 2)
        ]

    def _named_stages(self, query: ParsedQuery, mentions: list[Mention]) -> set[str]:
        """The career stages a query names ("in my first year", "15 yrs in")."""
        stages = {self.stage_of[m.item] for m in self._stage_mentions(mentions)}
        if (stage := stage_of_query(query)) is not None and self.kb_has_career:
            stages.add(stage)
        return stages

    def _of_other_stage(self, other: _Scored, best: _Scored, stages: set[str]) -> bool:
        """With one stage named, a reading of another stage is no rival of one of it."""
        if len(stages) != 1 or other.index not in self.stage_of:
            return False
        return self.stage_of.get(best.index) in stages and self.stage_of[other.index] not in stages

    def _stage_asked(self, query: ParsedQuery, scored: list[_Scored]) -> int | None:
        """ "which stage are most practice managers in", "nearly 60, which stage is that": a
        stage is the answer, the one the asker's time or age names, else the best read."""
        if not _WHICH_STAGE.search(query.folded) or not self.kb_has_career:
            return None
        if (named := stage_of_query(query)) is not None:
            return self.by_ident.get(f"stage:{named}")
        return next((r.index for r in scored if self.items[r.index].kind == "stage"), None)

    def _beyond_stage(self, query: ParsedQuery, scored: list[_Scored]) -> _Scored:
        """The best reading, or, when that is a career stage and the query says more than its
        stage ("near the end of my career and i want to leave something behind", "2 yrs in,
        just want to be better at it"), the next career reading that its other words name or
        that is clearly closer in meaning: the stage is the asker's context there."""
        best = scored[0]
        if self.items[best.index].kind != "stage" or _STAGE_ASKED.search(query.folded):
            return best  # "nearing the end of my working life, what stage is that"
        span = set(best.covered)
        rest = [
            i
            for i, t in enumerate(query.tokens)
            if i not in span and not (t.generic or t.optional) and self.text.weight(t.stem) > 1.0
        ]
        if len(rest) < MIN_BEYOND_STAGE:
            return best
        for other in scored[1:BEYOND_STAGE_READINGS]:
            item = self.items[other.index]
            if item.kind not in BEYOND_STAGE_KINDS:
                continue
            if other.index in self.stage_of and self.stage_of[other.index] != self.stage_of.get(
                best.index
            ):
                continue  # another stage's table or option
            if set(other.covered) - span or other.meaning >= best.meaning + BEYOND_STAGE_MEANING:
                return other
        return best

    def _stage_table(self, query: ParsedQuery, mentions: list[Mention]) -> int | None:
        """A stage, named or given as time in the job, and one of a stage's tables, and
        little else ("15 yrs in, what training fits", "courses for experienced managers", "how
        resilient should i be late in my career"): that stage's table."""
        kinds = query.kinds & {"training", "ksa", "development"}
        attributes = {i for i, t in enumerate(query.tokens) if t.matches(self.ksa_stems)}
        if not kinds and attributes:  # the knowledge-skills-abilities table's own words
            kinds = {"ksa"}
        if len(kinds) != 1 or not self.kb_has_career:
            return None
        stage, span = stage_of_query(query), set()
        if stage is None:
            named = self._stage_mentions(mentions)
            named.sort(key=lambda m: (-len(m.tokens), -m.weight))
            rival = next((m for m in named[1:] if m.item != named[0].item), None)
            if not named or (rival is not None and len(rival.tokens) == len(named[0].tokens)):
                return None  # no stage, or two named alike
            stage, span = self.stage_of[named[0].item], set(named[0].tokens)
        cue_words = {i for i, t in enumerate(query.tokens) if t.word in TABLE_WORDS}
        cue_words |= span | attributes
        if any(self.items[m.item].kind == "option" and set(m.tokens) - cue_words for m in mentions):
            return None  # an option named ("mentoring", "advanced qualification")
        other = [
            t
            for i, t in enumerate(query.tokens)
            if not (t.optional or t.generic or t.word in YEAR_TOKENS or t.word.isdigit())
            and t.word not in YEAR_WORDS
            and t.word not in TABLE_WORDS
            and i not in span
            and i not in attributes
            and self.text.weight(t.stem) > 1.0
        ]
        kind = kinds.pop()
        table = self.by_ident.get(f"{kind}:{stage}")
        if kind == "ksa" and table is not None:  # its own text's words ask for it too
            other = [t for t in other if not t.matches(self.text.item_stems[table])]
        if len(other) > 2:
            return None
        if kind == "training":
            options = self._options_named(stage, {t.stem for t in other} - OPTION_FILLER)
            if len(options) == 1:  # "help design courses in my last few years"
                return options[0]
            if options:
                return None
            if (option := self._the_one_option(query, stage)) is not None:
                return option
        return table

    def _options_named(self, stage: str, stems: set[str]) -> list[int]:
        """The stage's training options whose titles use one of these words."""
        return [
            i
            for i, item in enumerate(self.items)
            if item.kind == "option"
            and self.stage_of.get(i) == stage
            and stems & {term(w) for w in words(item.title)}
        ]

    def _the_one_option(self, query: ParsedQuery, stage: str) -> int | None:
        """ "a qualification for new pms": the one option of the stage so named (the early
        career's foundation qualification), when the query asks for one, not the list."""
        asked = {t.stem for t in query.tokens if t.word in ONE_OPTION_WORDS}
        named = [
            i
            for i, item in enumerate(self.items)
            if item.kind == "option"
            and self.stage_of.get(i) == stage
            and asked & {term(w) for w in words(item.title)}
        ]
        return named[0] if asked and len(named) == 1 else None

    def _tables_of_every_stage(self, query: ParsedQuery, mentions: list[Mention]) -> list[int]:
        """One of a stage's tables asked for with no stage, no time in the job and little else
        ("training options", "what support is there"): that table of each stage, to choose."""
        kinds = query.kinds & {"training", "ksa", "development"}
        if len(kinds) != 1 or stage_of_query(query) is not None or not self.kb_has_career:
            return []
        if self._stage_mentions(mentions) or any(
            self.items[m.item].kind == "option"
            and not all(query.tokens[t].word in TABLE_WORDS for t in m.tokens)
            for m in mentions
        ):
            return []
        if any(
            not (t.optional or t.generic or t.word in TABLE_WORDS)
            and self.text.weight(t.stem) > 1.0
            for t in query.tokens
        ):
            return []
        kind = kinds.pop()
        return [self.by_ident[i] for s in STAGES if (i := f"{kind}:{s}") in self.by_ident]

    def _of_stages(
        self, query: ParsedQuery, pair: tuple[int, int], mentions: list[Mention]
    ) -> tuple[int, int]:
        """Two stages compared for their training or their skills: those tables; for an option
        both stages offer ("portfolio career established vs late"): that option of each."""
        first, second = self.items[pair[0]], self.items[pair[1]]
        if first.kind != "stage" or second.kind != "stage":
            return pair
        for m in mentions:
            if self.items[m.item].kind == "option":
                option = self.items[m.item].ident.split("/")[1]
                a = f"training:{first.obj.id}/{option}"
                b = f"training:{second.obj.id}/{option}"
                if a in self.by_ident and b in self.by_ident:
                    return self.by_ident[a], self.by_ident[b]
        kinds = query.kinds & {"training", "ksa"}
        if len(kinds) != 1:
            return pair
        (kind,) = kinds
        a, b = f"{kind}:{first.obj.id}", f"{kind}:{second.obj.id}"
        if a in self.by_ident and b in self.by_ident:
            return self.by_ident[a], self.by_ident[b]
        return pair
