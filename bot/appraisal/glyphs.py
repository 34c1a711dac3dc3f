"""Text the PDF's font cannot draw, made visible instead of blank.

DejaVu Sans has no emoji: a character it lacks becomes its Unicode name in brackets
("[thumbs up sign]"), and a run of one repeated character one bracket ("[grinning face ×1000]"),
so an entry of a thousand emoji is one short line, not half a page of nothing. Where names
would make an entry much longer (a symbol between every letter), each is a white square.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

SHOWN_NAMES = 3
INVISIBLE = ("Mn", "Cf", "Sk")  # variation selectors, joiners, skin-tone modifiers
MISSING = "□"  # in every font the PDF uses (the level bars draw it too)
NAMES_ALLOWANCE = 120
"""Names may make an entry this much longer; beyond it (e.g. a symbol between every letter)
each missing character is shown as `MISSING`, so an entry never outgrows its table row."""


@lru_cache(maxsize=4)
def covered(font_file: Path) -> frozenset[int]:
    """The code points the font has glyphs for."""
    return frozenset(TTFont(font_file, lazy=True).getBestCmap())


def printable(text: str, cmap: frozenset[int]) -> str:
    """`text` with each run of characters missing from `cmap` replaced by a visible marker."""
    named = _named(text, cmap)
    if len(named) <= len(text) + NAMES_ALLOWANCE:
        return named
    return "".join(
        c if ord(c) in cmap or c in "\n\t" else MISSING
        for c in text
        if ord(c) in cmap or unicodedata.category(c) not in INVISIBLE
    )


def _named(text: str, cmap: frozenset[int]) -> str:
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if ord(char) in cmap or char in "\n\t":
            if run:
                out.append(_marker(run))
                run = []
            out.append(char)
        else:
            run.append(char)
    if run:
        out.append(_marker(run))
    return "".join(out)


def _marker(run: list[str]) -> str:
    names = [
        unicodedata.name(c, "").lower() or f"U+{ord(c):04X}"
        for c in run
        if unicodedata.category(c) not in INVISIBLE
    ]
    if not names:
        return ""
    distinct = list(dict.fromkeys(names))
    if len(distinct) == 1:
        return f"[{distinct[0]}{f' ×{len(names)}' if len(names) > 1 else ''}]"
    if len(names) <= SHOWN_NAMES:
        return f"[{', '.join(names)}]"
    return f"[{len(names)} symbols: {', '.join(distinct[:SHOWN_NAMES])}…]"
