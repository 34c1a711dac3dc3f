"""Names, aliases and glossary terms: an exact phrase index plus rapidfuzz typo correction.

Every surface form of every item (range and domain names, aliases, career titles, glossary
terms and expansions) becomes a bag of stems. A query's spans of consecutive words are looked
up as bags, so word order inside a name does not matter ("control of infection") and a span
may skip a filler word ("resource negotiation in population care"). Words the index has never
seen are corrected first, with rapidfuzz's OSA distance (typos and swapped letters), against
the vocabulary of the framework text; run-together words are split ("carepathways").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.lookup.items import Item
from bot.lookup.text import GENERIC, PARTICLES, STOPWORDS, is_optional, term, words

MAX_PHRASE = 8
WORD_ORDER = 0.94  # a name's words in another order ("control of infection") count a bit less
GAP = 0.9  # a name with another word inside it ("clinical or organisational audit")
# A corrected word counts for less, the further it had to move.
CORRECTION_FACTOR = {0: 1.0, 1: 0.9, 2: 0.75}


@dataclass(frozen=True, slots=True)
class Mention:
    item: int  # index into the engine's items
    tokens: tuple[int, ...]  # the query tokens the name covers (consecutive, or one gap)
    weight: float  # the phrase's worth, times the correction factor of its words
    specific: bool = True  # the name has a word that is not everyday job talk

    @property
    def start(self) -> int:
        return self.tokens[0]


class Lexicon:
    """Bag-of-stems phrase index over every item's names and aliases."""

    def __init__(self, items: list[Item]) -> None:
        table: dict[tuple[str, ...], dict[int, tuple[float, tuple[str, ...], bool]]]
        table = defaultdict(dict)
        self.stems: set[str] = set()
        self.word_counts: Counter[str] = Counter()
        for index, item in enumerate(items):
            for phrase, weight in (*item.phrases, *item.composites):
                ws = words(phrase)
                self.word_counts.update(ws)
                content = [w for w in ws if w not in STOPWORDS]
                if not content or len(content) > MAX_PHRASE:
                    continue
                ordered = tuple(term(w) for w in content)
                key = tuple(sorted(ordered))
                self.stems.update(key)
                specific = item.kind == "glossary" or any(w not in GENERIC for w in content)
                if table[key].get(index, (0.0, (), True))[0] < weight:
                    table[key][index] = (weight, ordered, specific)
        self.table = {
            k: tuple((item, *entry) for item, entry in v.items()) for k, v in table.items()
        }

    def mentions(self, stems: list[str], factors: list[float]) -> list[Mention]:
        """Every span of `stems` that names an item (optional words may be skipped inside)."""
        found: list[Mention] = []
        n = len(stems)
        known = self.stems
        for start in range(n):
            if stems[start] not in known:
                continue
            for end in range(start + 1, min(n, start + MAX_PHRASE) + 1):
                if stems[end - 1] not in known and not is_optional(stems[end - 1]):
                    break
                span = tuple(stems[start:end])
                hits = self.table.get(tuple(sorted(span)))
                if hits is None and any(s in PARTICLES for s in span[1:-1]):
                    span = tuple(s for s in span if s not in PARTICLES)
                    hits = self.table.get(tuple(sorted(span))) if len(span) >= 2 else None
                if not hits:
                    continue
                factor = min(factors[start:end])
                covered = tuple(range(start, end))
                for item, weight, ordered, specific in hits:
                    worth = weight * factor * (1.0 if ordered == span else WORD_ORDER)
                    found.append(Mention(item, covered, worth, specific))
        found += self._gapped(stems, factors)
        return found

    def _gapped(self, stems: list[str], factors: list[float]) -> list[Mention]:
        """Names of two or more words with one other word inside: "clinical [or
        organisational] audit", "new [clinical] system"."""
        found: list[Mention] = []
        n = len(stems)
        known = self.stems
        for start in range(n - 2):
            if stems[start] not in known:
                continue
            for end in range(start + 3, min(n, start + MAX_PHRASE + 1) + 1):
                if stems[end - 1] not in known:
                    continue
                for gap in range(start + 1, end - 1):
                    covered = tuple(i for i in range(start, end) if i != gap)
                    span = tuple(stems[i] for i in covered)
                    if any(s not in known for s in span):
                        continue
                    hits = self.table.get(tuple(sorted(span)))
                    if not hits:
                        continue
                    factor = min(factors[i] for i in covered) * GAP
                    for item, weight, ordered, specific in hits:
                        if not specific:
                            continue  # "new [practice] manager" is just talk
                        worth = weight * factor * (1.0 if ordered == span else WORD_ORDER)
                        found.append(Mention(item, covered, worth, specific))
        return found


MIN_SHORTHAND = 4  # "tea" is no shorthand of "teaching": three letters begin too many words
MAX_SHORTHAND = 6
SHORTHAND_LEAD = 2  # the word a shorthand stands for is used this many times more than the next


class Corrector:
    """Maps unknown words to the nearest framework word (rapidfuzz OSA distance <= 2).
    Words of `english` (common English words) are never corrected: "still" is not "skill"."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        counts: Counter[str],
        english: frozenset[str] = frozenset(),
        names: Counter[str] | None = None,
    ) -> None:
        self.vocab = frozenset(vocabulary)
        # The words of the items' names and aliases, which shorthand shortens ("clin audit",
        # "prof dev", "pship changes", "svc budgets"), most used first.
        self.name_counts = names or Counter()
        self.names = sorted(
            (w for w in self.name_counts if w.isalpha() and len(w) >= 5),
            key=lambda w: (-self.name_counts[w], w),
        )
        self.english = english
        self.stems = frozenset(term(w) for w in self.vocab)  # "order" is known from "orders"
        self.counts = counts
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.vocab:
            if word.isalpha() and len(word) >= 3:
                by_length[len(word)].append(word)
        longest = max(by_length, default=0)
        # Candidate lists per query-word length, built once: |len difference| <= 2.
        self.near: dict[int, list[str]] = {
            size: sorted(w for d in range(-2, 3) for w in by_length.get(size + d, ()))
            for size in range(4, longest + 3)
        }
        self._cache: dict[str, tuple[tuple[str, ...], int]] = {}

    def _expand(self, word: str) -> str | None:
        """The name word a shorthand of four or more letters begins ("clin" clinical, "recep"
        reception, "proj" project), when one word (with its inflections) is used at least twice
        as often as the next that fits. Consonant shorthand ("svc", "assmt") is in text.CHAT:
        as a rule it would read keyboard mashes as names."""
        if not MIN_SHORTHAND <= len(word) <= MAX_SHORTHAND:
            return None
        fits = [w for w in self.names if len(w) > len(word) + 1 and w.startswith(word)]
        uses: Counter[str] = Counter()
        first: dict[str, str] = {}
        for w in fits:  # most used first: one word per stem
            uses[term(w)] += self.name_counts[w]
            first.setdefault(term(w), w)
        ranked = uses.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] >= SHORTHAND_LEAD * ranked[1][1]):
            return first[ranked[0][0]]
        return None

    def correct(self, word: str) -> tuple[tuple[str, ...], int]:
        """(replacement words, edit distance); `((word,), 0)` when nothing fits."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = self._correct(word)
        if len(self._cache) < 65536:
            self._cache[word] = result
        return result

    def _correct(self, word: str) -> tuple[tuple[str, ...], int]:
        if word in self.vocab or not word.isalpha() or term(word) in self.stems:
            return (word,), 0
        if word in self.english:
            return (word,), 0
        if (whole := self._expand(word)) is not None:
            return (whole,), 1
        if len(word) < 4:
            return (word,), 0
        if len(word) >= 7:  # run-together words: "carepathways", "cashflow"
            for cut in range(3, len(word) - 2):
                head, tail = word[:cut], word[cut:]
                if (
                    head in self.vocab
                    and tail in self.vocab
                    and head not in STOPWORDS
                    and tail not in STOPWORDS
                ):
                    return (head, tail), 1
        limit = 1 if len(word) <= 6 else 2
        candidates = self.near.get(len(word))
        if not candidates:
            return (word,), 0
        hits = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not hits:
            return (word,), 0
        # A wrong first letter is rare in a typo but common between two real words
        # ("book"/"look", "weather"/"gather"): only a swap of the first two letters may.
        swapped = word[1] + word[0] + word[2:]
        hits = [h for h in hits if h[0][0] == word[0] or h[0] == swapped]
        if not hits:
            return (word,), 0
        best = min(hits, key=lambda h: (h[1], -self.counts[h[0]], h[0]))
        return (best[0],), int(best[1])
