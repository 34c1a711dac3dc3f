"""`SemanticIndex`: a small offline semantic ranking of the lookup items, to fuse with the
lexical engine (`LookupEngine`).

The vectors come from a static model2vec model (`bot/lookup/model/`, distilled from
all-MiniLM-L6-v2 by `bench/build_static_model.py`): a text's vector is the normalised mean
of its tokens' vectors, so encoding is a table look-up (no torch, no network) and the whole
index builds in well under a second.

Each item gets, once at start-up, one vector for its name (title and alias phrases) and one
per text (for a competency range, one per level descriptor, so the best level is known).
`rank` scores the query against every vector by cosine and keeps each item's best vector.

    index = SemanticIndex(build_items(kb))
    index.rank("who signs the cheques", k=3)
    # -> [(item index, "managerial", 0.61), ...]
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.competency import Level
from bot.lookup.query import COMPARE_WORDS, LEVEL_WORDS
from bot.lookup.text import wordset

MODEL_DIR = Path(__file__).resolve().parent / "model"
LEVELS = frozenset(level.value for level in Level)
MAX_QUERY_CHARS = 500

# Words that frame a question rather than say what it is about: level names ("strategic IC"),
# comparisons and "what does ... stand for". Averaged in, they pull every short query towards
# the items whose names contain them ("Strategy formulation", "Staff management").
FRAME_WORDS = (
    frozenset(LEVEL_WORDS)
    | COMPARE_WORDS
    | wordset("level levels lvl grade stand stands stood meaning mean means abbreviation acronym")
)
_WORD = re.compile(r"[\w&'/-]+")
# "what does PCO stand for", "QOF meaning", "define CQC": a glossary entry is wanted. With the
# framing words gone, a glossary entry and a range sharing an abbreviation ("SEA") tie; this
# much is added to the glossary entries' cosine.
_GLOSSARY_INTENT = re.compile(
    r"\b(stands? for|stood for|short for|abbreviation|acronym|define|definition|meaning|"
    r"full form)\b|\bmeans?\W*$",
    re.IGNORECASE,
)
GLOSSARY_NUDGE = 0.1


class StaticModel:
    """A model2vec static model read with its own two parts: the tokenizer (`tokenizers`) and
    the int8 embedding table (`safetensors`). A text's vector is the normalised mean of its
    tokens' rows, as model2vec computes it; without model2vec's own imports the bot's process
    stays ~20 MB smaller, and the table stays int8 in memory (7.6 MB)."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.embedding = load_file(str(folder / "model.safetensors"))["embeddings"]
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.max_length = int(config.get("max_length") or 512)
        unk = self.tokenizer.token_to_id("[UNK]")
        self.unk = -1 if unk is None else unk

    def words(self) -> frozenset[str]:
        """The whole words of the tokenizer's vocabulary (about 20,000 common English words
        of four or more letters): real words, which a spelling correction must leave alone."""
        vocab = self.tokenizer.get_vocab()
        return frozenset(w for w in vocab if len(w) >= 4 and w.isalpha() and w.islower())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.embedding.shape[1]), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, encoding in enumerate(encodings):
            ids = [i for i in encoding.ids[: self.max_length] if i != self.unk]
            if ids:
                out[row] = self.embedding[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True) + 1e-32
        units: np.ndarray = out / norms
        return units


@functools.cache
def load_model(path: str | os.PathLike[str] = MODEL_DIR) -> StaticModel:
    """The static model from a local folder, never from the network."""
    folder = Path(path)
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(f"no static model in {folder}")
    return StaticModel(folder)


def clean_query(query: str) -> str:
    """The query without its framing words (see FRAME_WORDS): empty for a query made of them
    alone ("strategic"), which names a level and no topic."""
    text = " ".join(str(query).split())[:MAX_QUERY_CHARS]
    kept = [w for w in _WORD.findall(text) if w.casefold().strip("'") not in FRAME_WORDS]
    return " ".join(kept)


def _unique(forms: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for form in forms:
        key = " ".join(str(form).casefold().split())
        if key and key not in seen:
            seen[key] = str(form)
    return list(seen.values())


def name_forms(item: Any) -> list[str]:
    """The names of an item: its title and alias phrases; for an item without phrases of its
    own (a stage's training or development table) its label and composite names ("Late
    career training"), since its title is the stage's."""
    if item.phrases:
        return _unique([item.title, *(text for text, _ in item.phrases)])
    return _unique([item.label, *(text for text, _ in getattr(item, "composites", ()))])


def name_text(item: Any) -> str:
    """What an item is called, all its names in one text."""
    return "; ".join(name_forms(item))


def index_rows(
    items: Sequence[Any], *, each_phrase: bool = True
) -> tuple[list[str], list[int], list[str | None]]:
    """The texts a `SemanticIndex` embeds, grouped by item: (texts, owning item index, level
    value or None). Per item: all its names in one text, then (`each_phrase`) each name; its
    texts (for a competency range, one per level descriptor, with that level); careerbot's
    examples of it (the level of a range is still the descriptor's: an example is weaker
    evidence of a level than its text). Also read by bench/build_static_model.py --tune."""
    texts: list[str] = []
    owners: list[int] = []
    levels: list[str | None] = []
    for index, item in enumerate(items):
        forms = name_forms(item)
        names = _unique([name_text(item), *(forms if each_phrase else ())]) or [item.ident]
        for name in names:
            texts.append(name)
            owners.append(index)
            levels.append(None)
        for key, text in item.texts.items():
            if text and text.strip():
                texts.append(text)
                owners.append(index)
                levels.append(key if item.kind == "range" and key in LEVELS else None)
        for text, _level in item.examples:
            texts.append(text)
            owners.append(index)
            levels.append(None)
    return texts, owners, levels


class SemanticIndex:
    """Cosine ranking of a query against every item's names and texts.

    `rank(query, k)` -> [(item index, level value or None, score)], best first, one entry per
    item (its best-scoring vector). The level is given for competency ranges only: the level
    whose descriptor is closest to the query (whether or not a descriptor was the item's best
    vector). The score is that cosine, plus `GLOSSARY_NUDGE` for glossary entries when the
    query asks what something stands for.

    `each_phrase`: a vector per name and alias besides the one of all names together (a short
    query then meets the alias it uses rather than an average). `center`: the mean of the
    item vectors is taken off every vector, query included (static embeddings share a common
    direction that makes long, generic texts close to everything).
    """

    def __init__(
        self,
        items: Sequence[Any],
        model: Any = None,
        *,
        each_phrase: bool = True,
        center: bool = True,
    ) -> None:
        self.items = list(items)
        self.model = model if model is not None else load_model()
        texts, owners, levels = index_rows(self.items, each_phrase=each_phrase)
        self.texts = texts
        self.levels = levels
        owner = np.asarray(owners, dtype=np.int64)
        # Rows are grouped by item: where each item's rows start and stop (per-item maxima).
        self.starts = np.searchsorted(owner, np.arange(len(self.items)))
        self.stops = np.append(self.starts[1:], len(texts))
        raw = self._encode(texts)
        self.center = raw.mean(axis=0) if center else np.zeros(raw.shape[1], dtype=np.float32)
        self.matrix = _unit(raw - self.center)
        self._level_rows = np.asarray([lv is not None for lv in levels], dtype=bool)
        # Items with a row per level (competency ranges): their best level is looked up.
        self._leveled = [
            bool(self._level_rows[a:b].any()) for a, b in zip(self.starts, self.stops, strict=True)
        ]
        self._glossary = np.asarray([item.kind == "glossary" for item in self.items], dtype=bool)
        self._last_query: tuple[str, np.ndarray | None] | None = None

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(self.model.encode(list(texts)), dtype=np.float32)
        return vectors[None, :] if vectors.ndim == 1 else vectors

    def scores(self, query: str) -> np.ndarray:
        """The cosine of the query with every row (a name or a text of an item); all zeros
        for a query without a known word."""
        unit = self._query_unit(query)
        if unit is None:
            return np.zeros(len(self.texts), dtype=np.float32)
        # einsum, not BLAS: a threaded BLAS matrix-vector product of this size is slower than
        # one core when the CPU is shared (0.3 ms vs 15+ ms per query on a busy 2-core box).
        closeness: np.ndarray = np.einsum("ij,j->i", self.matrix, unit)
        return closeness

    def _query_unit(self, query: str) -> np.ndarray | None:
        """The query's unit vector in the items' space, None for a query of no known word.
        The last query's is kept: `rank` and `closest` ask for the same one in one lookup."""
        if self._last_query and self._last_query[0] == query:
            return self._last_query[1]
        text = clean_query(query)
        vector = self._encode([text])[0] if text else None
        unit = None
        if vector is not None and np.any(vector):
            unit = _unit((vector - self.center)[None, :])[0]
        self._last_query = (query, unit)
        return unit

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of other texts, in the same space as the items' (for `closest`)."""
        return _unit(self._encode(texts) - self.center)

    def closest(self, query: str, vectors: np.ndarray) -> float:
        """The highest cosine of the query with any of `vectors` (0.0 for no known word)."""
        unit = self._query_unit(query)
        if unit is None or not len(vectors):
            return 0.0
        return float(np.max(np.einsum("ij,j->i", vectors, unit)))

    def rank(self, query: str, k: int = 10) -> list[tuple[int, str | None, float]]:
        """The `k` items closest to the query: (item index, level or None, score), best first."""
        if k <= 0 or not self.items:
            return []
        sims = self.scores(query)
        if not np.any(sims):
            return []
        best = np.maximum.reduceat(sims, self.starts)
        if _GLOSSARY_INTENT.search(query):
            best = best + GLOSSARY_NUDGE * self._glossary
        # Stable: equal scores keep the items' order, so results are deterministic.
        order = np.argsort(-best, kind="stable")[:k]
        level_sims = np.where(self._level_rows, sims, -np.inf)
        out: list[tuple[int, str | None, float]] = []
        for index in order.tolist():
            start, stop = self.starts[index], self.stops[index]
            level = None
            if self._leveled[index]:
                level = self.levels[start + int(np.argmax(level_sims[start:stop]))]
            out.append((index, level, float(best[index])))
        return out


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    units: np.ndarray = (vectors / norms).astype(np.float32)
    return units
