"""Reading a short question in the light of the answer before it.

"complaints managerial", then "and strategic?": the same range at another level. "training for
early career", then "and for established?": the same kind of answer for another stage. "what
is moving across", then "what training helps with that": that direction's training. "finance
managerial", then "what about complaints": the new range at the level already in view.

`Followup.read` gets the parsed query and the item and levels of the previous answer; it returns
what to answer instead (an item, with levels when it is a range or domain), or None when the
question stands on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.competency import Level
from bot.lookup.items import Item
from bot.lookup.query import ParsedQuery
from bot.lookup.text import term, words

# Words that carry no topic in a follow-up ("and at strategic level, what does that look like?").
_FILLER = frozenset(
    term(w)
    for w in words(
        "and what about how s is are the a an at for of to in on it that this those these there "
        "then so ok okay also same now what's whats look looks like mean means does do would "
        "could should be level levels role one version side please me my i we thanks again "
        "instead case when if compare compared comparison vs versus with help helps helpful "
        "good useful suit suits fit fits recommend recommended get need any options option "
        "show tell give available offered exist which there's is there pm pms manager managers "
        "someone person people doing three 3 ones their too go goes here side bit part version"
    )
)
_KIND_WORDS: dict[str, frozenset[str]] = {
    "training": frozenset(
        term(w) for w in words("training train course courses qualification qualifications")
    ),
    "ksa": frozenset(term(w) for w in words("skill skills ksa knowledge abilities ability")),
    "development": frozenset(
        term(w)
        for w in words("intervention interventions development learning outcomes outcome support")
    ),
}
_STAGE_WORDS = {
    "early": "early",
    "established": "established",
    "late": "late",
    "experienced": "established",
}
_STAGE_EXTRA = frozenset(term(w) for w in words("career stage stages table tables"))
_ALL = re.compile(r"\ball\b|\bevery\b|\beach\b|\bother\b")
_UP = re.compile(
    r"\b(above|higher|next level|level up|step up|more senior|one up|up a level|go up)\b"
)
_DOWN = re.compile(
    r"\b(below|lower|level down|step down|more junior|one down|down a level|go down)\b"
)
_LATER = re.compile(r"\b(later|next stage|further on|further along|after that)\b")
_EARLIER = re.compile(r"\b(earlier|previous stage|before that|at the start)\b")
# Asking for the item in view again, or more of it: "in plain english?", "example?", "how long
# is that" (after a stage).
_AGAIN = re.compile(
    r"^(ok |and |so |sorry )?(in plain english|plain english|simpler|explain( that| it| this)?|"
    r"examples?|for example|an example|what does (that|it|this) mean|say (that|it) again|"
    r"more detail|tell me more|more info|go on|how long( is (that|it)| does (that|it) last)?|"
    r"how many years( is (that|it))?)( please| pls)?$"
)
# What the item in view is called: "which motivation is that", "and what level is that".
_WHICH_IS_THAT = re.compile(
    r"^(and |so |ok )?(what|which) (\w+ ){1,2}(is|s) (that|it|this)( in| then)?$"
)
_NAMED_KIND = {
    "area": "core",
    "motivation": "driver",
    "driver": "driver",
    "direction": "direction",
    "level": "range",
    "range": "range",
    "competency": "range",
    "stage": "stage",
    "role": "role",
    "job": "role",
    "domain": "domain",
}
_ITS_RANGES = re.compile(r"\branges?\b.*\b(in|of|under) (it|that|this|there)\b|\bits ranges\b")
# A range's work told again at another level: "what if i also advise other practices on it",
# "and if i do it without supervision?", "what about if i just do the admin side".
RELEVEL = re.compile(
    r"^(and |but |so |ok )?(what about |what |how about )?if i\b|^(and )?i also\b|"
    r"^(and |but |so |well )?(i m|im|i am|i now|now i)( now)? (doing|do|running|handling|"
    r"managing|coordinating) (it|them|this|that)\b"
)
_RELEVEL_WORDS = frozenset(
    term(w)
    for w in words(
        "also other practices practice pcn supervision without unsupervised myself own alone "
        "autonomously now tho though all everything "
        "just only whole instead checks checking nobody no one admin"
    )
)
# Who wrote the framework in view, and when: "who helped write it", "when was this published".
_WHO_WROTE = re.compile(
    r"^(and |so |ok )?(who (helped )?(wrote|write|made|make|developed|develop|published|"
    r"produced|created|put together)( (it|this|that|them|these))?|"
    r"when was (it|this|that) (written|published|made)|what year (is|was) (it|this|that))$"
)
COMPETENCY_KINDS = frozenset({"domain", "range"})
_ABBREVIATION = re.compile(r"\b(abbreviation|acronym|stands? for|short for|initials)\b")
_RELATIVE = frozenset(
    term(w)
    for w in words(
        "above higher next up step more senior one below lower down junior less later stage go "
        "further along after earlier previous before start abbreviation acronym stand stands "
        "short initials career something similar equivalent like"
    )
)
STAGES = ("early", "established", "late")
_MARKER = re.compile(
    r"^(and|what about|how about|same for|same but for|same again for|and for|what of|ok and|"
    r"also)\b"
)
STAGE_KINDS = ("stage", "training", "development", "ksa")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a follow-up asks for: an item (by ident) and, for a range or domain, levels."""

    ident: str
    levels: tuple[Level, ...] = ()
    fallback: str = ""  # the kind to show for the new stage when the item is not there
    abbreviation: bool = False  # "what does the abbreviation mean": the context's glossary entry


def _stage_of(item: Item) -> str | None:
    if item.kind in STAGE_KINDS:
        return str(item.obj.id)
    if item.kind == "option":
        return str(item.extra.id)
    return None


class Followup:
    def __init__(self, direction_stages: dict[str, tuple[str, ...]] | None = None) -> None:
        # direction id -> the stages whose development table has a row for it
        self.direction_stages = direction_stages or {}

    def read(self, query: ParsedQuery, context: Item, levels: tuple[Level, ...]) -> Reading | None:
        """The item (and levels) a follow-up to `context` asks for, or None."""
        tokens = query.tokens
        asked = query.folded.strip(" ?!.")
        which = _WHICH_IS_THAT.match(asked)
        if which and _NAMED_KIND.get(which.group(3).split()[-1], context.kind) != context.kind:
            which = None  # "which core area is that in" after a glossary entry: not this item
        its_ranges = context.kind == "domain" and _ITS_RANGES.search(asked)  # "ranges in it"
        if _AGAIN.match(asked) or which or its_ranges:
            return Reading(context.ident, levels)
        if _WHO_WROTE.match(asked) and context.kind != "glossary":  # the framework's authors
            framework = "competency" if context.kind in COMPETENCY_KINDS else "career"
            if context.ident in ("overview:domains", "overview:ranges", "overview:levels"):
                framework = "competency"
            if context.ident == "overview:competency-framework":
                framework = "competency"
            return Reading(f"overview:{framework}-framework")
        named = tuple(lv for lv in Level if any(t.level is lv for t in tokens))
        rest = [t for t in tokens if t.level is None and t.stem not in _FILLER]
        if (
            context.kind == "range"
            and query.cue_level is not None
            and RELEVEL.search(query.folded)
            and all(t.cue or t.stem in _RELEVEL_WORDS for t in rest)
        ):
            return Reading(context.ident, (query.cue_level,))
        if not [t for t in rest if t.stem not in _RELATIVE]:
            relative = self._relative(query.folded, context, levels)
            if relative is not None:
                return relative
        if not rest and (named or _ALL.search(query.folded)):
            return self._levels(query, context, levels, named)
        stems = {t.stem for t in rest}
        stage = {_STAGE_WORDS[t.word] for t in rest if t.word in _STAGE_WORDS}
        kinds = [k for k, kw in _KIND_WORDS.items() if stems & kw]
        unexplained = stems - _STAGE_EXTRA - set().union(*_KIND_WORDS.values())
        unexplained -= {term(w) for w in _STAGE_WORDS}
        if unexplained or len(stage) > 1 or len(kinds) > 1:
            return None
        current = _stage_of(context)
        if stage and not kinds:
            (new,) = stage
            if context.kind in STAGE_KINDS:
                return Reading(f"{context.kind}:{new}")
            if context.kind == "option":  # "is it in established too": the same option there
                return Reading(f"training:{new}/{context.obj.id}", fallback="training")
            if context.kind == "direction":
                return Reading(f"development:{new}")
            return None
        if kinds:
            (kind,) = kinds
            stage_id = next(iter(stage), None) or current
            if stage_id is not None:
                return Reading(f"{kind}:{stage_id}")
            if context.kind == "direction" and kind in ("training", "development"):
                stages = self.direction_stages.get(context.obj.id, ())
                if len(stages) == 1:  # winding down, legacy: the late career table
                    return Reading(f"development:{stages[0]}")
                return Reading(context.ident)
        return None

    def _relative(self, folded: str, context: Item, levels: tuple[Level, ...]) -> Reading | None:
        """ "and the level above?", "is that available later on too?" """
        step = 1 if _UP.search(folded) or _LATER.search(folded) else 0
        step -= 1 if _DOWN.search(folded) or _EARLIER.search(folded) else 0
        if step and context.kind in ("range", "domain") and len(levels) == 1:
            order = list(Level)
            at = order.index(levels[0]) + step
            return Reading(context.ident, (order[at],)) if 0 <= at < len(order) else None
        stage = _stage_of(context)
        if step and stage is not None:
            at = STAGES.index(stage) + step
            if not 0 <= at < len(STAGES):
                return None
            if context.kind == "option":
                return Reading(f"training:{STAGES[at]}/{context.obj.id}", fallback="training")
            return Reading(f"{context.kind}:{STAGES[at]}")
        if _ABBREVIATION.search(folded):
            return Reading("", abbreviation=True)
        return None

    def _levels(
        self,
        query: ParsedQuery,
        context: Item,
        before: tuple[Level, ...],
        named: tuple[Level, ...],
    ) -> Reading | None:
        if context.kind not in ("range", "domain"):
            return None
        if not named:  # "and all levels?"
            return Reading(context.ident) if context.kind == "range" else None
        if context.kind == "domain":
            return Reading(context.ident, named[:1])
        if query.compare and len(before) == 1 and before[0] not in named:
            return Reading(context.ident, tuple(lv for lv in Level if lv in {*before, *named}))
        return Reading(context.ident, named)

    @staticmethod
    def carries_level(query: ParsedQuery) -> bool:
        """ "what about complaints": a new topic asked in the same terms as the last one."""
        return bool(_MARKER.search(query.folded))
