"""Questions about the frameworks as a whole: the 9 domains, how many ranges, the three levels,
the stages, directions, core areas, roles and drivers, a stage's knowledge, skills and
abilities, and what each framework is and who it is for.

Each overview is an `Item` of kind "overview" (or "ksa") with a fixed identity such as
"overview:domains". `overview_of` recognises a question that asks for one of them ("what are
the 9 domains", "how many ranges are there", "list the career stages"): once the question's
filler words are set aside, only the overview's own nouns may remain, so "ranges in finance"
is the Finance domain, not the overview. The answers list the framework's own names and quote
its text; what careerbot adds (counts, the summary of how the levels differ) says so.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bot.knowledge.competency import Level
from bot.lookup.format import clip, quote
from bot.lookup.items import Item, short_key
from bot.lookup.text import term, words

COMPETENCY = "competency-framework"
CAREER = "career-framework"

# The nouns that name each overview (stems), and the words a question about it may also use.
HEADS: dict[str, frozenset[str]] = {
    "domains": frozenset({"domain"}),
    "ranges": frozenset({"range", "competency", "competence"}),
    "levels": frozenset({"level", "role level"}),
    "stages": frozenset({"stage", "career stage"}),
    "directions": frozenset(
        {"direction", "career direction", "intention", "ways career go", "ways go"}
    ),
    "core-areas": frozenset(
        {
            "core area",
            "area of technical expertise",
            "technical expertise",
            "technical area",
            "area of expertise",
            "technical area expert",
        }
    ),
    "roles": frozenset({"role", "management role", "career role", "job role", "job"}),
    "drivers": frozenset({"driver", "career driver", "motivation", "motivate", "motivate people"}),
}
FILLER = frozenset(
    term(w)
    for w in words(
        "what which are is the a an list lists listing show me tell about all how many much "
        "number total count there in of framework frameworks whole main different types kinds "
        "name names give do does exist please our this these those its it s and each every "
        "explain describe overview summary summarise summarize main key 9 nine 3 three 7 "
        "seven 12 twelve 84 8 eight 2004 2024 competency competencies career careers "
        "management nhs england annex c common possible "
        "available have has got we i you can could would should for to so again quick quickly "
        "mean means meaning defined define definition different differ difference between "
        "pls plz please thing things stuff according exactly again here r u wat wot full "
        "complete entire whole split into up at main altogether overall from broadly "
        "nutshell brief briefly basically simple simply short across primary care manager "
        "cover covers include includes contain contains consist consists "
        "managers pm pms pcm pcms they them those need be use uses"
    )
)
_FOR_MANAGERS = re.compile(
    r"\b(for|of|in) (practice|pcn|primary care) (managers?|management)\b|\b(for|of) pms\b|"
    r"\baccording to (the|this) framework\b|\bin (this|the) (job|role)\b|"
    r"\bin (gp|general practice|primary care)( land| world)?\b|"
    r"\b(pm|pms|practice management|practice managers?)\b(?= (competenc|framework))"
)
_QUALIFICATION_LEVEL = re.compile(r"\blevel \d\b")  # "level 7": an apprenticeship, not a role level
_AUTHORS = re.compile(r"\bwho (wrote|made|developed|designed|published|produced|created)\b")
_FRAMEWORK = re.compile(r"\b(frameworks?|annex c|thing|document|doc|guidance)\b")
_CAREER_FRAMEWORK = re.compile(r"\b(career|2024|nhs england|development framework|nhse)\b")
_COMPETENCY_FRAMEWORK = re.compile(r"\b(competenc\w*|2004|annex c)\b")
_ABOUT_FRAMEWORK = re.compile(
    r"^(what|whats|who|when|where|why|which|tell me about|explain|describe)\b|"
    r"\b(summary|summarise|summarize|overview|outline) of\b|"
    r"\b(who (wrote|made|developed|designed|published|produced|created)|who is it for|"
    r"who s it for|who is (this|the \w+ framework|the framework) for|how old|what year|"
    r"when was|about the)\b"
)
# Each overview's heads as their stems ("area of technical expertise" -> "area technical
# expertise"), for one look-up per question.
_HEAD_FORMS = {
    " ".join(term(w) for w in words(head) if w != "of"): ident
    for ident, heads in reversed(HEADS.items())
    for head in heads
}
_HEAD_STEMS = frozenset(
    term(w) for heads in HEADS.values() for h in heads for w in words(h) if w != "of"
)
_LEVEL_STEMS = frozenset(term(w) for w in words("admin administrative managerial strategic and"))
_FRAMEWORK_NAME_STEMS = frozenset(term(w) for w in words("competency competence career"))
_LEVEL_NAMES = {
    term(w): lv.value
    for lv in Level
    for w in words(f"{lv.value} admin" if lv is Level.ADMINISTRATIVE else lv.value)
}
_STAGE_NAMES = {term(w): w for w in words("early established late")}
_SET_WORDS = frozenset(
    term(w)
    for w in words(
        "vs versus v or general generally differ difference differences stage level role "
        "higher lower above below than senior junior order"
    )
)
# Two stages set against each other ("established vs late") are compared, not listed.
_CONTRAST = frozenset(term(w) for w in words("vs versus v or differ difference differences"))
# What a question may call the competency framework's domains without saying "domain".
_PART_STEMS = frozenset(term(w) for w in words("heading headings section sections category part"))
_COUNT = re.compile(r"\b(9|nine|12|twelve)\b")
# Words of a question about a framework itself ("who wrote it", "what year").
_ABOUT_WORDS = frozenset(
    term(w)
    for w in words(
        "who wrote write written made make developed develop designed design published produced "
        "created when where why old year it for about development nhse still current date "
        "valid aimed aim intended meant target audience at was were been"
    )
)
# Words that turn "the framework" into a question about one of its parts.
_NOT_ABOUT = frozenset(term(w) for w in words("use using employer employers training staff"))


def _stems(text: str) -> list[str]:
    return [term(w) for w in words(text)]


def overview_of(folded: str) -> list[str]:
    """The overview(s) a question asks for: one id, two (which framework?), or none."""
    stems = _stems(_FOR_MANAGERS.sub(" ", folded))
    if not stems or _QUALIFICATION_LEVEL.search(folded):
        return []
    if (
        _FRAMEWORK.search(folded)
        and _ABOUT_FRAMEWORK.search(folded)
        and all(s in FILLER or s in _ABOUT_WORDS for s in stems)
        and not set(stems) & _NOT_ABOUT
    ):
        career = bool(_CAREER_FRAMEWORK.search(folded))
        competency = bool(_COMPETENCY_FRAMEWORK.search(folded))
        if career and not competency:
            return [f"overview:{CAREER}"]
        if competency and not career or re.search(r"\b(nhs|practice managers?)\b", folded):
            return [f"overview:{COMPETENCY}"] if competency else [f"overview:{CAREER}"]
        if _AUTHORS.search(folded):  # only the 2024 framework names who developed it
            return [f"overview:{CAREER}"]
        return [f"overview:{COMPETENCY}", f"overview:{CAREER}"]
    left = [s for s in stems if s not in FILLER or s in _HEAD_STEMS]
    # The three levels or stages named together, and nothing else: "admin vs managerial vs
    # strategic, what's the difference", "early established late - what are those".
    for ident, names in (("levels", _LEVEL_NAMES), ("stages", _STAGE_NAMES)):
        named = {names[s] for s in left if s in names}
        every = len(named) == len(set(names.values()))  # all three: "early established late"
        asked = every or set(left) & _SET_WORDS
        words_ok = all(s in names or s in _SET_WORDS or (every and s == "career") for s in left)
        two_compared = not every and ident == "stages" and bool(set(stems) & _CONTRAST)
        if len(named) >= 2 and asked and words_ok and not two_compared:
            return [f"overview:{ident}"]
    if "level" in left:  # "what levels are there, admin managerial and?"
        left = [s for s in left if s not in _LEVEL_STEMS]
    # "the levels in the competency framework": the framework's name only says which.
    left = [s for s in left if s not in _FRAMEWORK_NAME_STEMS] or left
    if left == ["area"] and (
        _COUNT.search(folded)
        or _COMPETENCY_FRAMEWORK.search(folded)
        or re.search(r"\bareas of (practice|pcn|primary care) management\b", folded)
    ):
        # "the 9 areas", "the 12 areas", "the competency areas"
        return [
            "overview:core-areas" if "12" in folded or "twelve" in folded else "overview:domains"
        ]
    if len(left) == 1 and left[0] in _PART_STEMS and not _CAREER_FRAMEWORK.search(folded):
        return ["overview:domains"]  # "the main headings of annex c"
    if left[:1] == ["rang"] and left[1:] == ["domain"]:  # "the ranges across all domains"
        return ["overview:ranges"]
    rest = " ".join(dict.fromkeys(left))
    head = _HEAD_FORMS.get(rest) or _HEAD_FORMS.get(rest.replace("manag ", ""))  # manager jobs
    return [f"overview:{head}"] if head is not None else []


def _competency_source(kb: Any) -> str:
    doc = kb.competency.document
    return f"{doc.title} ({doc.year})"


def _career_source(kb: Any) -> str:
    doc = kb.career.document
    return f"{doc.title} ({doc.publisher}, {doc.date})"


def _domains(kb: Any) -> str:
    domains = kb.competency.domains
    total = sum(len(d.ranges) for d in domains)
    lines = [f"The competency framework has {len(domains)} domains ({total} ranges in all):"]
    lines += [f"{d.number}. {d.name} ({len(d.ranges)} ranges)" for d in domains]
    lines += [
        "",
        "Each range is described at three role levels: Administrative, Managerial and "
        "Strategic. Ask about a domain to see its ranges (e.g. “finance”).",
        f"Source: {_competency_source(kb)}; counts are careerbot's.",
    ]
    return "\n".join(lines)


def _ranges(kb: Any) -> str:
    domains = kb.competency.domains
    total = sum(len(d.ranges) for d in domains)
    lines = [f"The competency framework has {total} ranges of work in {len(domains)} domains:"]
    for d in domains:
        lines += [
            "",
            f"{d.number}. {d.name} ({len(d.ranges)}): " + "; ".join(r.name for r in d.ranges),
        ]
    lines += [
        "",
        "Each is described at Administrative, Managerial and Strategic level.",
        f"Source: {_competency_source(kb)}; counts are careerbot's.",
    ]
    return "\n".join(lines)


# How the descriptors of each level typically begin their sentences (careerbot's reading).
_LEVEL_MARKERS: dict[Level, tuple[str, ...]] = {
    Level.ADMINISTRATIVE: ("provide data", "aware", "participat", "assist", "collat"),
    Level.MANAGERIAL: ("coordinat", "ensur", "review", "monitor"),
    Level.STRATEGIC: ("lead", "initiat", "develop", "advise"),
}


_SHOWN = {"participat": "participate", "collat": "collate", "coordinat": "coordinate"}
_SHOWN |= {"ensur": "ensure", "initiat": "initiate", "aware": "is aware"}


def _marker_counts(kb: Any, level: Level) -> str:
    """How many of the level's descriptors use each of its typical words."""
    texts = [r.descriptor(level).casefold() for r in kb.competency.ranges]
    counts = Counter({m: sum(1 for t in texts if m in t) for m in _LEVEL_MARKERS[level]})
    return ", ".join(f"“{_SHOWN.get(m, m)}” in {n}" for m, n in counts.most_common())


def _levels(kb: Any) -> str:
    ranges = kb.competency.ranges
    columns = ", ".join(lv.column for lv in kb.competency.levels)
    example = next((r for r in ranges if r.id == "infection-control"), ranges[0])
    lines = [
        f"The competency framework describes each of its {len(ranges)} ranges in three columns: "
        f"{columns}.",
        "",
        "How they differ (careerbot's summary, counted over the framework's descriptors):",
    ]
    for level, gist in (
        (Level.ADMINISTRATIVE, "takes part, provides data, is aware of policy"),
        (Level.MANAGERIAL, "coordinates, ensures compliance, reviews and monitors"),
        (Level.STRATEGIC, "leads, initiates and develops policy, may advise other practices"),
    ):
        counted = _marker_counts(kb, level)
        lines.append(f"• {level.label}: {gist} ({counted} of the {len(ranges)} descriptors)")
    lines += ["", f"For example, {example.name}:"]
    lines += [f"• {lv.label}: {quote(example.descriptor(lv))}" for lv in Level]
    lines += ["", f"Source: {_competency_source(kb)}."]
    return "\n".join(lines)


def _section(kb: Any, section_id: str) -> Any:
    return next(s for s in kb.career.sections if s.id == section_id)


def _stages(kb: Any) -> str:
    stages = kb.career.stages
    lines = [f"The career framework has {len(stages)} career stages:"]
    for stage in stages:
        if stage.definition:
            lines.append(f"• {stage.title}: {quote(stage.definition)}")
        else:
            lines.append(
                f"• {stage.title}: the framework gives no one-line definition; its options are "
                "about winding down, legacy and leadership (careerbot's summary)."
            )
    lines += ["", f"Source: {_career_source(kb)}."]
    return "\n".join(lines)


def _listing(kb: Any, section_id: str, heading: str, entries: list[str]) -> str:
    """A heading, one line per item, and the section's own first paragraph with its source."""
    section = _section(kb, section_id)
    lines = [heading, *(f"• {entry}" for entry in entries)]
    lines += ["", quote(section.paragraphs[0]), "", f"Source: {section.source}."]
    return "\n".join(lines)


def _directions(kb: Any) -> str:
    directions = kb.career.directions
    return _listing(
        kb,
        "career-directions",
        f"The career framework names {len(directions)} career directions:",
        [f"{d.title}: {quote(d.outcome)}" for d in directions],
    )


def _core_areas(kb: Any) -> str:
    career = kb.career
    section = _section(kb, "core-knowledge-skills-and-abilities")
    lines = [f"The career framework's {len(career.core_areas)} core areas of technical expertise:"]
    lines += [
        f"{n}. {a.title}: {quote(a.example_activities)}" for n, a in enumerate(career.core_areas, 1)
    ]
    lines += ["", f"Source: {section.source}."]
    return "\n".join(lines)


def _roles(kb: Any) -> str:
    career = kb.career
    section = _section(kb, "common-primary-care-management-roles")
    lines = [quote(section.paragraphs[0]), "", "The roles it describes:"]
    for role in career.roles:
        summary = role.summary or role.summary_fragment
        lines.append(f"• {role.title}" + (f": {quote(summary)}" if summary else ""))
    lines += ["", f"Source: {section.source}."]
    return "\n".join(lines)


def _drivers(kb: Any) -> str:
    drivers = kb.career.drivers
    return _listing(
        kb,
        "career-drivers",
        f"The career framework's {len(drivers)} career drivers:",
        [d.text for d in drivers],
    )


def _competency_framework(kb: Any) -> str:
    comp = kb.competency
    doc = comp.document
    total = sum(len(d.ranges) for d in comp.domains)
    return "\n".join(
        [
            f"{doc.title} ({doc.year})",
            "",
            f"It sets out the work of practice management in {len(comp.domains)} domains and "
            f"{total} ranges, each described at Administrative, Managerial and Strategic level "
            "(careerbot's summary). It is written for practice management: use it to see the "
            "level you work at in each range and the next one up.",
            "",
            f"{doc.note} (careerbot's note)",
            "",
            f"Source: {doc.title}.",
        ]
    )


def _career_framework(kb: Any) -> str:
    career = kb.career
    using = [s for s in career.sections if s.kind == "using the framework"]
    thanks = career.acknowledgements
    lines = [_career_source(kb), ""]
    lines += [quote(p) for p in using[0].paragraphs[:1]]
    lines += ["", "Who it is for:"]
    lines += [f"• {s.title}: {quote(s.paragraphs[0])}" for s in using[1:]]
    lines += ["", quote(thanks.intro), *(f"• {s}" for s in thanks.stakeholders)]
    lines += ["", f"Source: {using[0].source}; {thanks.source}."]
    return "\n".join(lines)


def _ksa(kb: Any, stage: Any) -> str:
    lines = [f"Knowledge, skills and abilities – {stage.title}", ""]
    for name, block in stage.ksa.blocks():
        attributes = ", ".join(block.attributes)
        lines.append(
            f"• {name.capitalize()} (overall level {block.overall_level}; {attributes}): "
            f"{quote(block.text)}"
        )
    lines += ["", f"Source: {stage.ksa.source}."]
    return "\n".join(lines)


OVERVIEWS: dict[str, tuple[str, Any]] = {
    "domains": ("The 9 domains", _domains),
    "ranges": ("All ranges", _ranges),
    "levels": ("The three role levels", _levels),
    "stages": ("The career stages", _stages),
    "directions": ("The career directions", _directions),
    "core-areas": ("The 12 core areas", _core_areas),
    "roles": ("The management roles", _roles),
    "drivers": ("The career drivers", _drivers),
    COMPETENCY: ("The competency framework (2004)", _competency_framework),
    CAREER: ("The career development framework (2024)", _career_framework),
}
CAREER_ONLY = frozenset({"stages", "directions", "core-areas", "roles", "drivers", CAREER})


def overview_items(kb: Any) -> list[Item]:
    """One item per overview (career ones only when the career framework is loaded), and
    one "ksa" item per career stage."""
    has_career = getattr(kb, "career", None) is not None
    items = []
    for name, (title, render) in OVERVIEWS.items():
        if name in CAREER_ONLY and not has_career:
            continue
        items.append(
            Item(
                ident=f"overview:{name}",
                kind="overview",
                title=title,
                label=title,
                key=short_key(f"o:{name}"),
                texts={"": ""},
                obj=render,
                rank=0.9,
            )
        )
    if has_career:
        for stage in kb.career.stages:
            forms = [stage.title, *stage.aliases]
            items.append(
                Item(
                    ident=f"ksa:{stage.id}",
                    kind="ksa",
                    title=f"Knowledge, skills and abilities – {stage.title}",
                    label=f"Skills: {stage.title}",
                    key=short_key(f"c:ksa:{stage.id}"),
                    composites=[
                        (f"{form} {w}", 0.97)
                        for form in dict.fromkeys(forms)
                        for w in ("ksa", "knowledge skills and abilities", "skills", "abilities")
                    ],
                    texts={
                        "": " ".join(
                            f"{name} {' '.join(b.attributes)} {b.text}"
                            for name, b in stage.ksa.blocks()
                        )
                    },
                    parent=f"stage:{stage.id}",
                    obj=stage,
                    rank=0.96,
                )
            )
    return items


def overview_answer(item: Item, kb: Any) -> str:
    if item.kind == "ksa":
        return clip(_ksa(kb, item.obj))
    return clip(item.obj(kb))
