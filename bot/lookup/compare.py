"""Two things side by side: two stages, roles, directions, core areas, ranges or domains.

"early vs established career", "practice manager or pcn manager: what's the difference",
"compare moving up and moving across". Two levels of one range stay with the range answer
("complaints managerial vs strategic"); this is for two items of the same kind, both named.
Each side quotes the framework, as the single answers do.
"""

from __future__ import annotations

from bot.knowledge.competency import Level
from bot.lookup.format import clip, quote
from bot.lookup.items import Item
from bot.lookup.names import Mention

COMPARABLE = ("stage", "role", "direction", "core", "range", "domain", "option", "driver")
MAX_SIDE = 1600


STAGE_BONUS = 0.5


def either_side(pivot: int | None, first: set[int], second: set[int]) -> bool:
    """With "X or Y" / "X vs Y" (`pivot` the first token after the word): one name's words
    all before it and the other's all after, in either order. True with no such word."""
    if pivot is None or not first or not second:
        return True
    return (max(first) < pivot <= min(second)) or (max(second) < pivot <= min(first))


def pick_pair(
    items: list[Item], mentions: list[Mention], pivot: int | None = None
) -> tuple[int, int] | None:
    """The two items of one comparable kind that the query names by separate words (the
    pair of non-overlapping names that covers the most), in the order they were named, on
    either side of its "or" / "vs" when it has one."""
    named = [
        m
        for m in mentions
        if items[m.item].kind in COMPARABLE
        and (m.specific or len(m.tokens) >= 2 or m.weight >= 0.9)
    ]
    # A stage named beside two training options ("coaching or mentoring for established
    # pms") says which stage's options are meant.
    stages = {items[m.item].ident.split(":")[1] for m in mentions if items[m.item].kind == "stage"}

    def of_stage(m: Mention) -> float:
        item = items[m.item]
        return (
            STAGE_BONUS
            if item.kind == "option" and item.ident.split(":")[1].split("/")[0] in stages
            else 0.0
        )

    # The longer names each item is found by as well: "maintenance" in "hardware maintenance"
    # is part of that name, not a second item (Facilities management and maintenance).
    spans: dict[int, list[tuple[set[int], float]]] = {}
    for m in mentions:
        spans.setdefault(m.item, []).append((set(m.tokens), m.weight))

    def inside(m: Mention, other: int) -> bool:
        return any(set(m.tokens) < span and weight >= m.weight for span, weight in spans[other])

    best: tuple[float, Mention, Mention] | None = None
    for i, first in enumerate(named):
        for second in named[i + 1 :]:
            if first.item == second.item or items[first.item].kind != items[second.item].kind:
                continue
            if inside(second, first.item) or inside(first, second.item):
                continue
            shared = set(first.tokens) & set(second.tokens)
            if not either_side(pivot, set(first.tokens) - shared, set(second.tokens) - shared):
                continue
            twins = items[first.item].title == items[second.item].title  # one name, two domains
            if shared and not (
                twins and set(first.tokens) - shared and set(second.tokens) - shared
            ):
                continue
            worth = len(first.tokens) * first.weight + len(second.tokens) * second.weight
            worth += of_stage(first) + of_stage(second)
            if best is None or worth > best[0]:
                best = (worth, first, second)
    if best is None:
        return None
    a, b = sorted(best[1:], key=lambda m: m.start)
    return a.item, b.item


def _side(item: Item, level: Level | None) -> list[str]:
    obj, kind = item.obj, item.kind
    if kind == "stage":
        lines = [quote(obj.definition)] if obj.definition else []
        lines += [
            f"{name.capitalize()}: overall {block.overall_level} ({', '.join(block.attributes)})"
            for name, block in obj.ksa.blocks()
        ]
        return lines
    if kind == "role":
        summary = obj.summary or obj.summary_fragment
        lines = [quote(summary)] if summary else []
        return lines + [f"• {r}" for r in obj.responsibilities[:6]]
    if kind == "direction":
        return [f"Outcome: {quote(obj.outcome)}"]
    if kind == "core":
        return [f"Example activities: {quote(obj.example_activities)}"]
    if kind == "option":
        return [quote(obj.information)]
    if kind == "driver":
        return [quote(obj.text)]
    if kind == "domain":
        return [f"{len(obj.ranges)} ranges: " + "; ".join(r.name for r in obj.ranges)]
    if kind == "training":  # a stage's training and development options
        return [f"• {option.title}" for option in obj.training_options]
    if kind == "ksa":  # a stage's knowledge, skills and abilities
        return [
            f"{name.capitalize()} (overall {block.overall_level}): {quote(block.text)}"
            for name, block in obj.ksa.blocks()
        ]
    levels = [level] if level is not None else list(Level)
    return [f"{lv.label}: {quote(obj.descriptor(lv))}" for lv in levels]


def _source(item: Item) -> str:
    if item.kind == "ksa":
        return str(item.obj.ksa.source)
    if item.kind == "training":
        return f"Career development framework (NHS England, 2024), {item.obj.training_table}"
    source = getattr(item.obj, "source", None) or getattr(item.extra, "source", None)
    return str(source) if source else ""


def compare_answer(first: Item, second: Item, level: Level | None) -> str:
    heading = f"{first.label} and {second.label}, side by side"
    if level is not None and first.kind == "range":
        heading += f" ({level.label} role)"
    lines = [heading]
    for item in (first, second):
        side = "\n".join(_side(item, level))
        lines += ["", f"▸ {item.title}", clip(side, MAX_SIDE)]
    sources = list(dict.fromkeys(filter(None, (_source(first), _source(second)))))
    lines += ["", "Source: " + "; ".join(sources) + "."]
    return clip("\n".join(lines))
