"""Career items chosen by how the question is put: what motivates the asker, told in their
words, is a career driver; two career items of one kind set either side of "or" are a choice
between them, to be compared.

The half of `LookupEngine` that reads these (mixed in; the engine has the items).
"""

from __future__ import annotations

import re

from bot.lookup.answering import _Scored
from bot.lookup.compare import either_side
from bot.lookup.items import Item
from bot.lookup.query import ParsedQuery

# "is there any X or Y": either will do, not a choice between them.
_ANY_OF = re.compile(r"^(is there|are there|any|do you have|got any)\b")
# The asker telling what motivates them ("what motivates me is", "i get a buzz out of").
_MOTIVATION = re.compile(
    r"\b(motivates me|motivation is|motivated by|buzz|drives me|matters to me|"
    r"why i do (the|this) job|keeps me going)\b"
)
DRIVER_READINGS = 5  # a driver among this many best readings
CAREER_CHOICES = frozenset({"option", "direction", "role", "core", "driver"})


class Choices:
    """What the way a career question is put says (mixed into `LookupEngine`)."""

    # set by LookupEngine, which mixes this in
    items: list[Item]

    def _driver_told(self, query: ParsedQuery, scored: list[_Scored]) -> _Scored | None:
        """What motivates the asker, told in their words: the career driver read best, when
        one is read at all (the drivers' overview otherwise answers)."""
        if not _MOTIVATION.search(query.folded):
            return None
        drivers = [r for r in scored[:DRIVER_READINGS] if self.items[r.index].kind == "driver"]
        return drivers[0] if drivers else None

    def _other_option(self, query: ParsedQuery, best: _Scored, scored: list[_Scored]) -> int | None:
        """A second career item of the best reading's kind, set beside it by "or", each named
        by words of its own: a choice between them, to be shown compared (two ranges so
        offered are asked about instead)."""
        if not query.alternatives or self.items[best.index].kind not in CAREER_CHOICES:
            return None
        if query.describes or _ANY_OF.search(query.folded):  # "is there any X or Y": either
            return None
        mine = set(best.covered)
        for other in scored[1:3]:
            theirs = set(other.covered)
            if (
                self.items[other.index].kind == self.items[best.index].kind
                and mine - theirs
                and theirs - mine
                and either_side(query.pivot, mine - theirs, theirs - mine)
            ):
                return other.index
        return None
