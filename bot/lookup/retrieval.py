"""The framework's own text as an inverted index, for people who describe their work.

"I just collect the data for audits" names no range, but its words are the descriptors'
words. Every item's text (the three descriptors of a range, a direction's outcome and
development rows, a core area's example activities, a training option's information, ...)
is reduced to a set of stems; an inverted index from stem to items finds the items sharing
a query's words without scanning, and an inverse document frequency over the items (names,
aliases and text together) says how much each word tells: "cheques" (one range) a lot,
"staff" (dozens) little. Scoring is the idf-weighted share of the query's words an item
explains - BM25 with binary term frequency and no length normalisation, which suits texts of
one or two sentences.
"""

from __future__ import annotations

import math
from collections import defaultdict

from bot.lookup.items import Item
from bot.lookup.text import STOPWORDS, stem, words


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS)


class TextIndex:
    def __init__(self, items: list[Item]) -> None:
        self.item_stems: list[frozenset[str]] = []
        self.part_stems: list[dict[str, frozenset[str]]] = []  # per level / text part
        postings: dict[str, set[int]] = defaultdict(set)
        doc_freq: dict[str, int] = defaultdict(int)
        for index, item in enumerate(items):
            parts = {name: _stems(text) for name, text in item.texts.items()}
            text_stems = frozenset().union(*parts.values()) if parts else frozenset()
            self.part_stems.append(parts)
            self.item_stems.append(text_stems)
            for s in text_stems:
                postings[s].add(index)
            names = frozenset().union(*(_stems(p) for p, _ in item.phrases))
            for s in text_stems | names:
                doc_freq[s] += 1
        n = len(items)
        self.postings = {s: tuple(sorted(ix)) for s, ix in postings.items()}
        self.idf = {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in doc_freq.items()}
        self.idf_unknown = math.log(1 + (n + 0.5) / 0.5)

    def weight(self, stem_: str) -> float:
        return self.idf.get(stem_, self.idf_unknown)

    def items_with(self, stem_: str) -> tuple[int, ...]:
        return self.postings.get(stem_, ())
