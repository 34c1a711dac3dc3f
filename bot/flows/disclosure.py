"""The group picture's disclosure rule: no member's level in any domain can be derived from any
sequence of pictures, /mentors answers and the viewer's own ratings.

1. A picture is published (stored) and shown again unchanged until at least `MIN_CHANGED`
   sharers' data differ from the one it was drawn from (joined, left, opted in or out,
   re-assessed, forgotten): one join or leave cannot move it.
2. A domain's counts are shown only when, leaving out any one member (the viewer may be one)
   and every member at Strategic there (any of them may offer to mentor, now or later, and
   /mentors names them), the remaining members are not all at one level. Then for any member
   whose level the viewer does not know there is another with a different level, and
   swapping the two gives the same pictures: the viewer cannot tell which has which.
3. A domain shown in the last picture is shown again only when the same holds, separately, for
   the members whose data did not change, for the new levels of those who joined or changed,
   and for the old levels of those who left or changed (and no one has since used /forget, as
   their old level is no longer known): the difference of two pictures then hides every
   member by the same swap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from bot.knowledge import KnowledgeBase, Level
from bot.storage.records import PublishedPicture, SharedProfile

MIN_SHARED = 3
MIN_CHANGED = 3
UNRATED = "none"
STRATEGIC = Level.STRATEGIC.value


def hides_everyone(levels: Iterable[str | None]) -> bool:
    """No one's level follows from the counts of `levels`, whoever among them is looking:
    leaving out Strategic (possibly public, through /mentors) and any one more, at least two
    different levels remain (or there was nobody at all)."""
    everyone = list(levels)
    values = [level for level in everyone if level != STRATEGIC]
    if not values:  # nobody, or all at Strategic (which would then be plain to see)
        return not everyone
    return max(Counter(values).values()) <= len(values) - 2


def changed_members(
    shared: Sequence[SharedProfile], published: PublishedPicture | None
) -> set[int]:
    """Sharers whose data differ from what the published picture was drawn from."""
    now = {p.user_id: p.assessment_id for p in shared}
    before = {uid: aid for uid, (aid, _) in (published.drawn_from if published else {}).items()}
    return {uid for uid in now.keys() | before.keys() if now.get(uid) != before.get(uid)}


def forgotten(published: PublishedPicture) -> int:
    """Members of the published picture whose data has since been deleted (/forget)."""
    return published.members - len(published.drawn_from)


def next_picture(
    kb: KnowledgeBase,
    shared: Sequence[SharedProfile],
    published: PublishedPicture | None,
) -> PublishedPicture:
    """The picture to show now: the published one, or a new one under the rule above (to be
    stored when it has at least `MIN_SHARED` members or replaces a stored one)."""
    changed = changed_members(shared, published)
    if published is not None and len(changed) + forgotten(published) < MIN_CHANGED:
        return published
    if published is None and len(shared) < MIN_SHARED:
        return PublishedPicture(len(shared), {}, {})  # shows no levels; not stored
    counts: dict[str, dict[str, int]] = {}
    for domain in kb.competency.domains:
        d = domain.id
        safe = hides_everyone(p.levels.get(d) for p in shared)
        if safe and published is not None and d in published.counts:
            old = [lv.get(d) for uid, (_, lv) in published.drawn_from.items() if uid in changed]
            safe = (
                forgotten(published) == 0
                and hides_everyone(p.levels.get(d) for p in shared if p.user_id not in changed)
                and hides_everyone(p.levels.get(d) for p in shared if p.user_id in changed)
                and hides_everyone(old)
            )
        if safe:
            counts[d] = dict(Counter(p.levels.get(d) or UNRATED for p in shared))
    drawn_from = {p.user_id: (p.assessment_id, dict(p.levels)) for p in shared}
    return PublishedPicture(len(shared), counts, drawn_from)
