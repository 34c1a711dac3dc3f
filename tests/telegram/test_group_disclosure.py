"""The differencing attack on the group picture, played through the Application.

Ann, Ben and Cat share; the group sees /group; Dan opts in, /group again; Dan leaves, /group
again; Cat offers to mentor in Finance and /mentors names her. Ann (a sharer, who knows her
own levels) sees all of it. For every domain, every level of every other member that is not
public is tried (re-running the disclosure rule over the same events): each one that gives the
same pictures is possible, and every such member keeps at least two possible levels.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

from bot.flows.disclosure import next_picture
from bot.flows.groups import HIDDEN
from bot.storage.records import SharedProfile
from bot.vocabulary import RATING_LEVELS
from tests.telegram.test_groups import Member, assessed, opt_in, shown

NY, AD, MG, ST = "Not yet", "Administrative", "Managerial", "Strategic"
LEVEL = dict(zip((NY, AD, MG, ST), RATING_LEVELS, strict=True))
ANN, BEN, CAT, DAN = 3001, 3002, 3003, 3004
# Nine domains in order; HR (the sixth) is Managerial for all three first sharers, Finance (the
# fifth) is Cat's Strategic domain, where she offers to mentor.
LEVELS = {
    ANN: [AD, MG, AD, NY, AD, MG, ST, AD, MG],
    BEN: [MG, MG, ST, AD, MG, MG, AD, NY, MG],
    CAT: [NY, MG, NY, MG, ST, MG, MG, ST, AD],
    DAN: [NY, AD, MG, ST, ST, ST, NY, MG, ST],
}
NAMES = {ANN: "Ann", BEN: "Ben", CAT: "Cat", DAN: "Dan"}
ROW = re.compile(
    r"^(.+?): (Not yet \d+ · Admin \d+ · Mgr \d+ · Strat \d+|" + re.escape(HIDDEN) + ")$", re.M
)


def rows(picture: str) -> dict[str, str]:
    return dict(ROW.findall(picture))


async def test_join_leave_own_ratings_and_mentors_reveal_no_ones_level(app, rec, kb):
    members = {uid: Member(app, rec, uid, name) for uid, name in NAMES.items()}
    for uid, member in members.items():
        await assessed(member, LEVELS[uid])
    ann, dan, cat = members[ANN], members[DAN], members[CAT]
    for uid in (ANN, BEN, CAT):
        await opt_in(members[uid], "Share my levels")

    pictures = [shown(rec, (await ann.command("/group"))[0])]  # Ann, Ben, Cat
    await opt_in(dan, "Share my levels")
    pictures.append(shown(rec, (await ann.command("/group"))[0]))  # + Dan
    await dan.leave()
    pictures.append(shown(rec, (await ann.command("/group"))[0]))  # - Dan
    await opt_in(cat, "Mentor: Finance")
    (mentors,) = await ann.command("/mentors finance")
    assert "Cat" in shown(rec, mentors)
    pictures.append(shown(rec, (await ann.command("/group"))[0]))

    seen = [rows(p) for p in pictures]
    assert all(len(r) == 9 for r in seen), pictures
    assert seen[1] == seen[0] and seen[2] == seen[0]  # one join or leave moves nothing
    assert seen[0]["Human Resources"] == HIDDEN  # "both Managerial in HR" is not given away
    assert seen[0]["Practice Operation and Development"] == "Not yet 1 · Admin 1 · Mgr 1 · Strat 0"

    # What Ann saw, replayed through the rule with every level others might have had.
    sharers = [{ANN, BEN, CAT}, {ANN, BEN, CAT, DAN}, {ANN, BEN, CAT}, {ANN, BEN, CAT}]
    domains = kb.competency.domains

    def replay(levels: dict[int, list[str]]) -> list[dict[str, str]]:
        published, out = None, []
        for members_now in sharers:
            shared = [
                SharedProfile(
                    uid,
                    NAMES[uid],
                    uid,
                    datetime.now(UTC),
                    dict(
                        zip([d.id for d in domains], [LEVEL[lv] for lv in levels[uid]], strict=True)
                    ),
                )
                for uid in sorted(members_now)
            ]
            picture = next_picture(kb, shared, published)
            if picture is not published and (published is not None or picture.drawn_from):
                published = picture
            out.append(picture.counts)
        return out

    truth = replay(LEVELS)
    for n, domain in enumerate(domains):
        observed = [counts.get(domain.id) for counts in truth]
        assert [seen_rows[domain.name] == HIDDEN for seen_rows in seen] == [
            o is None for o in observed
        ]
        public = {CAT} if domain.id == "finance" else set()  # named as a Strategic mentor
        unknown = sorted({BEN, CAT, DAN} - public)
        possible: dict[int, set[str]] = {uid: set() for uid in unknown}
        for guess in itertools.product((NY, AD, MG, ST), repeat=len(unknown)):
            levels = {uid: list(lv) for uid, lv in LEVELS.items()}
            for uid, level in zip(unknown, guess, strict=True):
                levels[uid][n] = level
            if [c.get(domain.id) for c in replay(levels)] == observed:
                for uid, level in zip(unknown, guess, strict=True):
                    possible[uid].add(level)
        for uid in unknown:
            assert len(possible[uid]) >= 2, (domain.name, NAMES[uid], possible[uid])
