"""Everything the engine can answer, flattened into `Item`s built once from the knowledge base.

An item has a stable identity (`ident`, e.g. "infection-control", "domain:finance",
"direction:moving-across", "training:late/mentor", "glossary:pco"), a short `key` for
Telegram callback data (at most 40 bytes), a distinguishing `label` for clarify buttons,
the surface forms people use for it (`phrases`, with how much a mention of each is worth) and
the framework text a description of work is matched against (`texts`, one per level for a
range).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.competency import Level
from bot.lookup.text import STOPWORDS, fold, words

MAX_KEY_BYTES = 40

# How much naming an item by each kind of surface form is worth.
W_NAME = 1.0
W_ALIAS = 0.95
W_DOMAIN_ALIAS = 0.9
W_CAREER_ALIAS = 0.9
W_CORE_ALIAS = 0.85  # core-area aliases are lists of example activities: weakest
W_DRIVER_ALIAS = 0.85
W_GLOSSARY_TERM = 0.97
W_GLOSSARY_ALIAS = 0.9
W_COMPOSITE = 0.97

_PARENTHESES = re.compile(r"\([^)]*\)")

LEVEL_CODES = {Level.ADMINISTRATIVE: "a", Level.MANAGERIAL: "m", Level.STRATEGIC: "s"}

# Item kinds and how an answer names them (Answer.section_kind).
SECTION_KINDS = {
    "section": "framework section",
    "role": "role",
    "driver": "career driver",
    "direction": "career direction",
    "core": "core area",
    "stage": "career stage",
    "training": "training options",
    "option": "training option",
    "development": "development table",
    "ksa": "knowledge, skills and abilities",
    "overview": "overview",
    "glossary": "glossary",
}
CAREER_KINDS = frozenset(SECTION_KINDS) - {"glossary", "overview", "ksa"}

TRAINING_WORDS = (
    "training",
    "training options",
    "training and development",
    "training and development options",
    "development options",
    "courses",
    "qualifications",
)
DEVELOPMENT_WORDS = (
    "interventions",
    "proposed interventions",
    "career development",
    "career development table",
    "development table",
    "learning outcomes",
)


def short_key(full: str) -> str:
    """`full` when it fits in 40 bytes, else a stable truncation with a 6-hex-digit digest."""
    raw = full.encode("utf-8")
    if len(raw) <= MAX_KEY_BYTES:
        return full
    digest = hashlib.blake2b(raw, digest_size=3).hexdigest()
    head = raw[: MAX_KEY_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}~{digest}"


@dataclass(slots=True)
class Item:
    ident: str
    kind: str  # range | domain | section | role | driver | direction | core | stage | ...
    title: str  # as written in the seed
    label: str  # distinguishing title for buttons, e.g. "Resource negotiation (Finance)"
    key: str
    phrases: list[tuple[str, float]] = field(default_factory=list)
    # Names made of this item's name and another's ("Resource negotiation Finance",
    # "Mentor Late career"): matched as names, but their words are not the item's own.
    composites: list[tuple[str, float]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # level value or "" -> text
    # careerbot's own examples of the work in practitioners' words (knowledge/examples.yaml),
    # each with its level for a range: for matching only, never shown.
    examples: tuple[tuple[str, str | None], ...] = ()
    parent: str | None = None  # the domain of a range, the stage of an option, ...
    obj: Any = None  # the knowledge object (Range, Domain, Direction, ...)
    extra: Any = None  # kind-specific context (e.g. the Stage of an option)
    rank: float = 1.0  # tie-breaking preference between kinds

    @property
    def is_competency(self) -> bool:
        return self.kind in ("range", "domain")


def _expander(kb: Any) -> Any:
    """A function adding the glossary's expansions of the abbreviations a text uses, so that
    "health and safety" finds "Develops H&SW policy" (for matching only, never shown)."""
    glossary = getattr(kb, "glossary", None)
    if glossary is None:
        return lambda text: text
    forms: dict[str, str] = {}
    for entry in glossary.entries:
        for form in (entry.term, *entry.aliases):
            if form.upper() == form and len(form) <= 6:  # abbreviations, not phrases
                forms[fold(form)] = entry.expansion
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(f) for f in sorted(forms, key=len)[::-1]) + r")\b"
    )

    def expand(text: str) -> str:
        extra = {forms[m.group(1)] for m in pattern.finditer(fold(text))}
        return " ".join([text, *sorted(extra)])

    return expand


def _range_items(kb: Any) -> list[Item]:
    items: list[Item] = []
    expand = _expander(kb)
    names = [r.name.casefold() for r in kb.competency.ranges]
    for domain in kb.competency.domains:
        d_item = Item(
            ident=f"domain:{domain.id}",
            kind="domain",
            title=domain.name,
            label=f"{domain.name} (domain)",
            key=short_key(f"d:{domain.id}"),
            phrases=[(domain.name, W_NAME)] + [(a, W_DOMAIN_ALIAS) for a in domain.aliases],
            obj=domain,
            rank=0.97,
        )
        items.append(d_item)
        for rng in domain.ranges:
            twin = names.count(rng.name.casefold()) > 1
            phrases = [(rng.name, W_NAME)] + [(a, W_ALIAS) for a in rng.aliases]
            bare = _PARENTHESES.sub(" ", rng.name).strip()
            if (
                bare != rng.name
            ):  # "Project management (equipment/premises)" is a project management
                phrases.append((bare, W_NAME))
            composites = []
            if twin:  # "Resource negotiation" twice: the domain's name tells them apart
                composites += [(f"{rng.name} {domain.name}", W_NAME)]
                composites += [(f"{rng.name} {a}", W_NAME) for a in domain.aliases]
            items.append(
                Item(
                    ident=rng.id,
                    kind="range",
                    title=rng.name,
                    label=f"{rng.name}, {domain.name}"
                    if rng.name.endswith(")")
                    else f"{rng.name} ({domain.name})",
                    key=short_key(f"r:{rng.id}"),
                    phrases=phrases,
                    composites=composites,
                    texts={lvl.value: expand(rng.descriptor(lvl)) for lvl in Level},
                    parent=d_item.ident,
                    obj=rng,
                    extra=domain,
                )
            )
    return items


def slug_of(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _stage_forms(stage: Any) -> list[str]:
    forms = [stage.title, *stage.aliases]
    return list(dict.fromkeys(forms))


def _career_items(kb: Any) -> list[Item]:
    career = kb.career
    items: list[Item] = []
    parents = {s.kind: s for s in career.sections if s.id == slug_of(s.kind)}
    for section in career.sections:
        phrases = [(section.title, W_NAME)] + [(a, W_CAREER_ALIAS) for a in section.aliases]
        parent = parents.get(section.kind)
        composites = []
        if parent is not None and parent is not section:  # "Employers" of "Using the framework"
            composites += [
                (f"{form} {parent.title}", W_COMPOSITE)
                for form in (section.title, *section.aliases)
                if any(w not in STOPWORDS for w in words(form))
            ]
        items.append(
            Item(
                ident=f"section:{section.id}",
                kind="section",
                title=section.title,
                label=f"{section.title} (framework section)",
                key=short_key(f"c:sec:{section.id}"),
                phrases=phrases,
                composites=composites,
                texts={"": section.text},
                obj=section,
                rank=0.9,
            )
        )
    for role in career.roles:
        text = " ".join(filter(None, [role.summary, role.summary_fragment, *role.responsibilities]))
        items.append(
            Item(
                ident=f"role:{role.id}",
                kind="role",
                title=role.title,
                label=f"{role.title} (role)",
                key=short_key(f"c:role:{role.id}"),
                phrases=[(role.title, W_NAME)] + [(a, W_CAREER_ALIAS) for a in role.aliases],
                texts={"": text},
                obj=role,
                rank=0.93,
            )
        )
    for driver in career.drivers:
        items.append(
            Item(
                ident=f"driver:{driver.id}",
                kind="driver",
                title=driver.text,
                label=f"{driver.text[:1].upper()}{driver.text[1:]} (career driver)",
                key=short_key(f"c:drv:{driver.id}"),
                phrases=[(driver.text, W_NAME)] + [(a, W_DRIVER_ALIAS) for a in driver.aliases],
                texts={"": driver.text},
                obj=driver,
                rank=0.9,
            )
        )
    for direction in career.directions:
        rows = [
            " ".join(
                filter(
                    None,
                    [
                        row.interventions_text,
                        row.learning_outcome.heading if row.learning_outcome else None,
                        *(row.learning_outcome.points if row.learning_outcome else ()),
                    ],
                )
            )
            for stage in career.stages
            for row in stage.rows_for(direction.id)
        ]
        phrases = [(direction.title, W_NAME)] + [(a, W_CAREER_ALIAS) for a in direction.aliases]
        composites = [(f"{direction.title} {w}", W_COMPOSITE) for w in DEVELOPMENT_WORDS]
        composites += [(f"{direction.title} career direction", W_NAME)]
        items.append(
            Item(
                ident=f"direction:{direction.id}",
                kind="direction",
                title=direction.title,
                label=f"{direction.title} (career direction)",
                key=short_key(f"c:dir:{direction.id}"),
                phrases=phrases,
                composites=composites,
                texts={"": direction.outcome, "rows": " ".join(rows)},
                obj=direction,
                rank=1.0,
            )
        )
    for area in career.core_areas:
        phrases = [(area.title, W_NAME)] + [(a, W_CORE_ALIAS) for a in area.aliases]
        composites = [(f"{area.title} core area", W_NAME), (f"{area.title} core skills", W_NAME)]
        items.append(
            Item(
                ident=f"core:{area.id}",
                kind="core",
                title=area.title,
                label=f"{area.title} (core area)",
                key=short_key(f"c:core:{area.id}"),
                phrases=phrases,
                composites=composites,
                texts={"": area.example_activities},
                obj=area,
                rank=0.95,
            )
        )
    for stage in career.stages:
        forms = _stage_forms(stage)
        items.append(
            Item(
                ident=f"stage:{stage.id}",
                kind="stage",
                title=stage.title,
                label=f"{stage.title} (career stage)",
                key=short_key(f"c:stage:{stage.id}"),
                phrases=[(stage.title, W_NAME)] + [(a, W_CAREER_ALIAS) for a in stage.aliases],
                composites=[(f"{stage.title} stage", W_NAME)],
                texts={"": " ".join(filter(None, [stage.definition, stage.description]))},
                obj=stage,
                rank=0.98,
            )
        )
        items.append(
            Item(
                ident=f"training:{stage.id}",
                kind="training",
                title=stage.title,
                label=f"Training options: {stage.title}",
                key=short_key(f"c:tl:{stage.id}"),
                composites=[(f"{f} {w}", W_COMPOSITE) for f in forms for w in TRAINING_WORDS],
                texts={"": stage.training_intro or ""},
                parent=f"stage:{stage.id}",
                obj=stage,
                rank=0.97,
            )
        )
        items.append(
            Item(
                ident=f"development:{stage.id}",
                kind="development",
                title=stage.title,
                label=f"Career development: {stage.title}",
                key=short_key(f"c:dev:{stage.id}"),
                composites=[(f"{f} {w}", W_COMPOSITE) for f in forms for w in DEVELOPMENT_WORDS],
                texts={"": stage.development_intro or ""},
                parent=f"stage:{stage.id}",
                obj=stage,
                rank=0.95,
            )
        )
        for option in stage.training_options:
            phrases = [(option.title, W_NAME)] + [(a, W_CAREER_ALIAS) for a in option.aliases]
            bare = _PARENTHESES.sub(" ", option.title).strip()
            if bare != option.title:
                phrases.append((bare, W_NAME))
            composites = [(f"{option.title} {f}", W_NAME) for f in forms]
            items.append(
                Item(
                    ident=f"training:{stage.id}/{option.id}",
                    kind="option",
                    title=option.title,
                    label=f"{option.title} ({stage.title})",
                    key=short_key(f"c:t:{stage.id}:{option.id}"),
                    phrases=phrases,
                    composites=composites,
                    texts={"": option.information},
                    parent=f"training:{stage.id}",
                    obj=option,
                    extra=stage,
                    rank=0.92,
                )
            )
    return items


def _glossary_items(kb: Any) -> list[Item]:
    items = []
    for entry in kb.glossary.entries:
        phrases = [(entry.term, W_GLOSSARY_TERM), (entry.expansion, W_GLOSSARY_ALIAS)]
        phrases += [(a, W_GLOSSARY_ALIAS) for a in entry.aliases]
        items.append(
            Item(
                ident=f"glossary:{entry.id}",
                kind="glossary",
                title=entry.term,
                label=f"{entry.term} (glossary)",
                key=short_key(f"g:{entry.term}"),
                phrases=phrases,
                texts={"": " ".join(filter(None, [entry.expansion, entry.explanation]))},
                obj=entry,
                rank=0.9,
            )
        )
    return items


def build_items(kb: Any) -> list[Item]:
    """All answerable items of the knowledge base (career and glossary when present)."""
    items = _range_items(kb)
    if getattr(kb, "career", None) is not None:
        items += _career_items(kb)
    if getattr(kb, "glossary", None) is not None:
        items += _glossary_items(kb)
    examples = getattr(kb, "examples", None)
    if examples is not None:
        for item in items:
            item.examples = examples.for_item(item.ident)
    keys: dict[str, str] = {}
    for item in items:
        if item.key in keys:
            raise ValueError(f"lookup key {item.key!r} used by {keys[item.key]} and {item.ident}")
        keys[item.key] = item.ident
    return items
