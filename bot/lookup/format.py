"""The texts people see: framework text quoted verbatim, with where it comes from.

Plain text (no markup), each at most `MAX_ANSWER` characters - Telegram allows 4096.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.knowledge.competency import Level
from bot.lookup.items import Item

MAX_ANSWER = 3500
COMPETENCY_NOTE = "2004 framework"
# The glossary cites the two documents by their seed numbers; users see their names.
DOCUMENT_NAMES = {
    "000": "competency framework for practice management (2004)",
    "001": "career development framework (2024)",
}
_DOCUMENT_NUMBER = re.compile(r"\b(000|001): ")


def clip(text: str, limit: int = MAX_ANSWER) -> str:
    """`text`, or as many whole lines of it as fit, marked as shortened."""
    if len(text) <= limit:
        return text
    tail = "\n… (shortened: ask about one part for the rest)"
    lines = text.split("\n")
    kept: list[str] = []
    size = len(tail)
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:  # a single enormous line: cut at a word boundary
        return text[: limit - len(tail)].rsplit(" ", 1)[0] + tail
    return "\n".join(kept) + tail


def quote(text: str) -> str:
    return f"“{text}”"


def historical_notes(text: str, glossary: Any) -> list[str]:
    """A note for each historical term (PCO, StHA, PGEA...) the quoted text uses."""
    if glossary is None:
        return []
    notes = []
    for entry in glossary.entries:
        if entry.historical and re.search(rf"\b{re.escape(entry.term)}s?\b", text):
            notes.append(
                f"Note: {entry.term} ({entry.expansion}) is a historical term. "
                f"{entry.historical_note}"
            )
    return notes


def range_answer(item: Item, levels: Sequence[Level], glossary: Any = None) -> str:
    rng, domain = item.obj, item.extra
    if len(levels) == 1:
        level = levels[0]
        head = f"{rng.name} – {level.label} role ({domain.name})"
        body = [quote(rng.descriptor(level))]
        where = f"{rng.source}; range “{rng.name}”, {level.label} Role"
    else:
        shown = " and ".join(lv.label for lv in levels) if len(levels) < 3 else "all levels"
        head = f"{rng.name} ({domain.name}) – {shown}"
        body = [f"{lv.label}: {quote(rng.descriptor(lv))}" for lv in levels]
        columns = ", ".join(f"{lv.label} Role" for lv in levels)
        where = f"{rng.source}; range “{rng.name}”, {columns}"
    notes = historical_notes(" ".join(rng.descriptor(lv) for lv in levels), glossary)
    source = f"Source: {where} ({COMPETENCY_NOTE})."
    return clip("\n".join([head, "", *body, "", source, *notes]))


def domain_answer(item: Item) -> str:
    domain = item.obj
    lines = [f"{domain.number}. {domain.name} – {len(domain.ranges)} ranges:"]
    lines += [f"• {r.name}" for r in domain.ranges]
    lines += [
        "",
        "Ask about one of them, with a level if you like (e.g. "
        f"“{domain.ranges[0].name} managerial”).",
        f"Source: {domain.source} ({COMPETENCY_NOTE}).",
    ]
    return clip("\n".join(lines))


def domain_level_answer(item: Item, level: Level) -> str:
    domain = item.obj
    lines = [f"{domain.number}. {domain.name} – {level.label} role, range by range:", ""]
    lines += [f"• {r.name}: {quote(r.descriptor(level))}" for r in domain.ranges]
    lines += ["", f"Source: {domain.source}, {level.label} Role column ({COMPETENCY_NOTE})."]
    return clip("\n".join(lines))


def _named_documents(source: str) -> str:
    """`source` with "000: " and "001: " spelled out as the documents' names."""
    return _DOCUMENT_NUMBER.sub(lambda m: f"{DOCUMENT_NAMES[m.group(1)]}: ", source)


def glossary_answer(item: Item) -> str:
    entry = item.obj
    expansion = entry.expansion
    if entry.expansion_source == "careerbot":
        expansion += " (careerbot's expansion)"
    lines = [f"{entry.term}: {expansion}"]
    if entry.explanation:
        if entry.explanation_source == "seed":
            lines += ["", quote(entry.explanation)]
        else:
            lines += ["", f"{entry.explanation} (careerbot's explanation)"]
    if entry.historical:
        lines += ["", f"Historical term: {entry.historical_note}"]
    lines += ["", f"Source: glossary; used in {_named_documents(entry.source)}."]
    return clip("\n".join(lines))


def _rows_text(stage: Any, rows: Sequence[Any]) -> list[str]:
    out = []
    for row in rows:
        parts = [f"• {stage.title} – {row.label}"]
        if row.interventions_text:
            parts.append(f": {row.interventions_text}")
        if row.learning_outcome:
            outcome = row.learning_outcome
            points = "; ".join(outcome.points)
            parts.append(f" → {outcome.heading}: {points}" if outcome.heading else f" → {points}")
        out.append("".join(parts))
    return out


def _document(kb: Any) -> str:
    doc = kb.career.document
    return f"{doc.title} ({doc.publisher}, {doc.date})"


def career_answer(item: Item, kb: Any) -> str:
    career = kb.career
    obj = item.obj
    kind = item.kind
    if kind == "direction":
        lines = [f"{obj.title} (career direction)", "", f"Outcome: {quote(obj.outcome)}"]
        rows = [line for st in career.stages for line in _rows_text(st, st.rows_for(obj.id))]
        if rows:
            lines += ["", "Proposed interventions and learning outcomes:", *rows]
        lines += ["", f"Source: {obj.source}; career development tables."]
    elif kind == "stage":
        lines = [f"{obj.title} (career stage)"]
        if obj.definition and obj.definition not in (obj.description or ""):
            lines += ["", quote(obj.definition)]
        if obj.description:
            lines += ["", *(quote(p) for p in obj.description.split("\n\n") if p.strip())]
        if obj.careerbot_years_hint:
            lines += [f"(In short: {obj.careerbot_years_hint} – careerbot's summary.)"]
        lines += ["", "Knowledge, skills and abilities:"]
        for name, block in obj.ksa.blocks():
            attributes = ", ".join(block.attributes)
            lines.append(f"• {name.capitalize()} ({attributes}): {quote(block.text)}")
        lines += ["", f"Source: {obj.source}."]
    elif kind == "training":
        lines = [f"Training and development options – {obj.title}"]
        if obj.training_intro:
            lines += ["", quote(obj.training_intro.split("\n\n")[0])]
        lines += [""] + [f"• {o.title}: {quote(o.information)}" for o in obj.training_options]
        lines += ["", f"Source: {_document(kb)}, {obj.training_table or obj.title}."]
    elif kind == "option":
        stage = item.extra
        lines = [f"{obj.title} ({stage.title} training option)", "", quote(obj.information)]
        rows = [r for r in stage.development if obj.id in r.interventions]
        if rows:
            lines += ["", "In the career development table:", *_rows_text(stage, rows)]
        lines += ["", f"Source: {obj.source}."]
    elif kind == "development":
        lines = [f"Career development – {obj.title}"]
        if obj.development_intro:
            lines += ["", quote(obj.development_intro.split("\n\n")[0])]
        lines += ["", *_rows_text(obj, obj.development)]
        table = obj.development_table or f"career development table - {obj.title.lower()}"
        lines += ["", f"Source: {_document(kb)}, {table}."]
    elif kind == "core":
        lines = [f"{obj.title} (core area of technical expertise)", ""]
        lines += [f"Example activities: {quote(obj.example_activities)}"]
        domains = kb.mapping.domains_for(obj.id)
        if domains:
            names = ", ".join(kb.competency.domain(d).name for d in domains)
            lines += ["", f"Related 2004 competency domains (careerbot's mapping): {names}."]
        lines += ["", f"Source: {obj.source}."]
    elif kind == "role":
        lines = [f"{obj.title} (role)"]
        if obj.summary:
            lines += ["", quote(obj.summary)]
        if obj.responsibilities:
            lines += ["", "Responsibilities:", *(f"• {r}" for r in obj.responsibilities)]
        lines += ["", f"Source: {obj.source}."]
    elif kind == "driver":
        lines = [f"Career driver: {quote(obj.text)}", "", "The framework's career drivers:"]
        lines += [f"• {d.text}" for d in career.drivers]
        lines += ["", f"Source: {obj.source}."]
    else:  # framework section
        lines = [obj.title, "", *(quote(p) for p in obj.paragraphs)]
        listing = {
            "career drivers": [d.text for d in career.drivers],
            "career directions": [f"{d.title}: {quote(d.outcome)}" for d in career.directions],
            "core knowledge, skills and abilities": [a.title for a in career.core_areas],
            "roles": [r.title for r in career.roles],
        }.get(obj.kind)
        if listing:
            lines += ["", *(f"• {entry}" for entry in listing)]
        lines += ["", f"Source: {obj.source}."]
    return clip("\n".join(lines))


def clarify_answer(labels: Sequence[str]) -> str:
    options = "\n".join(f"• {label}" for label in labels)
    return clip(f"Which one do you mean?\n{options}")


def none_answer(suggestions: Sequence[str]) -> str:
    text = "I could not find that in the frameworks."
    if suggestions:
        text += " You could try:\n" + "\n".join(f"• {s}" for s in suggestions)
    return clip(text)
