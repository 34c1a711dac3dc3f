"""The framework's own text as an inverted index, for people who describe their work.

"I just collect the data for audits" names no range, but its words are the descriptors'
words. Every item's text (the three descriptors of a range, a direction's outcome and
development rows, a core area's example activities, a training option's information, ...)
is reduced to a set of stems; an inverted index from stem to items finds the items sharing
a query's words without scanning, and an inverse document frequency over the items (names,
aliases and text together) says how much each word tells: "cheques" (one range) a lot,
"staff" (dozens) little. Scoring is the idf-weighted share of the query's words an item
explains - BM25 with binary term frequency (a descriptor rarely repeats a word), keeping
BM25's length normalisation so that long texts do not explain everything.
"""

from __future__ import annotations

import math
from collections import defaultdict

from bot.lookup.items import Item
from bot.lookup.text import STOPWORDS, term, words


def _stems(text: str) -> frozenset[str]:
    return frozenset(term(w) for w in words(text) if w not in STOPWORDS)


_EMPTY: frozenset[int] = frozenset()
K1 = 1.2
B = 0.75
UNKNOWN_IDF = 4.0  # a word no item uses: informative, but often just a person's own words


class TextIndex:
    def __init__(self, items: list[Item]) -> None:
        self.item_stems: list[frozenset[str]] = []
        self.part_stems: list[dict[str, frozenset[str]]] = []  # per level / text part
        # careerbot's examples of the work (knowledge/examples.yaml), per level / "" likewise:
        # the item's words too, but weaker evidence of a level than the descriptor's own.
        self.example_stems: list[dict[str, frozenset[str]]] = []
        self.norm: list[float] = []  # BM25's saturation at tf=1 for the item's length
        postings: dict[str, set[int]] = defaultdict(set)
        doc_freq: dict[str, int] = defaultdict(int)
        lengths: list[int] = []
        for index, item in enumerate(items):
            parts = {name: _stems(text) for name, text in item.texts.items()}
            examples: dict[str, frozenset[str]] = {}
            for example, level in item.examples:
                key = level or ""
                examples[key] = examples.get(key, frozenset()) | _stems(example)
            self.example_stems.append(examples)
            names = frozenset().union(*(_stems(p) for p, _ in item.phrases))
            # The item's words: its framework text plus the words of its names and aliases
            # (a name's words found scattered in a sentence count as text, not as the name).
            text_stems = frozenset().union(names, *parts.values(), *examples.values())
            self.part_stems.append(parts)
            self.item_stems.append(text_stems)
            lengths.append(len(text_stems))
            for s in text_stems:
                postings[s].add(index)
                doc_freq[s] += 1
        n = len(items)
        average = sum(lengths) / max(1, sum(1 for size in lengths if size)) or 1.0
        for size in lengths:
            saturation = (K1 + 1) / (1 + K1 * (1 - B + B * size / average))
            self.norm.append(min(1.0, saturation))
        self.postings = {s: tuple(sorted(ix)) for s, ix in postings.items()}
        self._sets = {s: frozenset(ix) for s, ix in postings.items()}
        self.idf = {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in doc_freq.items()}
        self.idf_unknown = UNKNOWN_IDF

    def weight(self, stem_: str) -> float:
        return self.idf.get(stem_, self.idf_unknown)

    def items_with(self, stem_: str) -> tuple[int, ...]:
        return self.postings.get(stem_, ())

    def items_with_any(self, stem_: str, alternatives: tuple[str, ...] = ()) -> frozenset[int]:
        """The items whose text uses the word or one of its synonyms."""
        found = self._sets.get(stem_, _EMPTY)
        for alt in alternatives:
            found = found | self._sets.get(alt, _EMPTY)
        return found
