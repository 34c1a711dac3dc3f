"""Which ranges a plan's gaps are about, and the framework support quoted with each.

A domain's ranges the user rated come first, the one furthest below the domain's target
leading. Where the user rated no range of a domain, careerbot picks the ranges whose words
share most with the user's role, career stage and directions (its own choice, not framework
content), so two users with different profiles are pointed at different ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge import KnowledgeBase, Level
from bot.knowledge.career import TrainingOption
from bot.knowledge.competency import Domain, Range
from bot.lookup.text import GENERIC, STOPWORDS, term, words
from bot.storage.records import ProfileRecord
from bot.vocabulary import RATING_LEVELS, rank

#: Onboarding's role keys -> the career framework's roles (Table 1).
CAREER_ROLES = {
    "pm": "practice-manager",
    "pcn": "primary-care-network-manager",
    "deputy": "practice-manager",
    "specialist": "other-primary-care-management-roles",
}
MIN_WORD = 4
#: Distinct framework texts whose topic words are kept (a few hundred are quoted).
TEXTS = 4096


@dataclass(frozen=True, slots=True)
class RangePick:
    """A range to work on and the level whose descriptor is quoted (one above where it is)."""

    range: Range
    level: Level
    rated: str | None  # the user's rating of this range, None when chosen by profile


def terms(texts: Iterable[str | None]) -> frozenset[str]:
    """The topic words of some texts, as the lookup engine stems them."""
    return frozenset().union(*(_text_terms(text) for text in texts if text))


@lru_cache(maxsize=TEXTS)
def _text_terms(text: str) -> frozenset[str]:
    """One text's topic words. The texts are the frameworks' own (ranges, descriptors, roles,
    stages, training options): each is folded and stemmed once, not at every plan."""
    return frozenset(
        term(word)
        for word in words(text)
        if len(word) >= MIN_WORD and word not in STOPWORDS and word not in GENERIC
    )


def profile_terms(kb: KnowledgeBase, profile: ProfileRecord) -> frozenset[str]:
    """Words of the user's role, stage and directions in the career framework."""
    texts: list[str | None] = []
    role = kb.career.role(CAREER_ROLES.get(profile.role or "", ""))
    if role is not None:
        texts += [*role.responsibilities, role.summary, role.summary_fragment]
    for direction_id in profile.directions:
        direction = kb.career.direction(direction_id)
        texts.append(direction.outcome if direction else None)
    stage = kb.career.stage(profile.career_stage or "")
    if stage is not None:
        texts += [block.text for _, block in stage.ksa.blocks()]
        for row in stage.development:
            if set(row.directions) & set(profile.directions) and row.learning_outcome:
                texts += list(row.learning_outcome.points)
    return terms(texts)


def next_level(level: str | None) -> Level:
    return Level(RATING_LEVELS[min(max(rank(level), 0) + 1, len(RATING_LEVELS) - 1)])


def rated_shortfalls(
    domain: Domain, target: str | None, range_levels: Mapping[tuple[str, str], str]
) -> list[RangePick]:
    """Ranges of the domain the user rated below its target, furthest below first."""
    below = [
        (rank(target) - rank(level), n, rng, level)
        for n, rng in enumerate(domain.ranges)
        if (level := range_levels.get((domain.id, rng.id))) is not None
        and rank(level) < rank(target)
    ]
    below.sort(key=lambda item: (-item[0], item[1]))
    return [RangePick(rng, next_level(level), level) for _, _, rng, level in below]


def profile_picks(domain: Domain, current: str | None, wanted: frozenset[str]) -> list[RangePick]:
    """The domain's ranges by how many words they share with the profile (name counts twice)."""
    level = next_level(current)

    def score(rng: Range) -> int:
        return 2 * len(terms([rng.name]) & wanted) + len(terms([rng.descriptor(level)]) & wanted)

    ordered = sorted(domain.ranges, key=score, reverse=True)  # stable: framework order on ties
    return [RangePick(rng, level, None) for rng in ordered]


def best_option(
    kb: KnowledgeBase, profile: ProfileRecord, rng: Range, level: Level
) -> TrainingOption | None:
    """The stage's training option, among those named for the user's directions (all of the
    stage's when none match), that shares most words with the range."""
    stage = kb.career.stage(profile.career_stage or "")
    if stage is None or not stage.training_options:
        return None
    chosen = set(profile.directions)
    named = [
        option_id
        for row in stage.development
        if not chosen or chosen & set(row.directions)
        for option_id in row.interventions
    ]
    options = [o for o in stage.training_options if o.id in named] or list(stage.training_options)
    wanted = terms([rng.name, rng.descriptor(level)])
    return max(options, key=lambda o: len(terms([o.title, o.information]) & wanted))
