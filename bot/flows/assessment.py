"""Quick self-assessment (`/assess`): nine domain ratings, an optional deeper pass, then targets."""

from __future__ import annotations

from bot.flows import objectives, saved
from bot.flows.callbacks import go_data
from bot.flows.core import IDLE, INVALID, Context, FlowState, Outcome, Step, register
from bot.flows.effects import AttachChart
from bot.flows.targets import suggest_target
from bot.flows.values import index
from bot.flows.views import Button, View, rows
from bot.knowledge import Level
from bot.knowledge.competency import Domain
from bot.storage.changes import (
    Change,
    ClearRating,
    CompleteAssessment,
    RecordRating,
    SetTarget,
    StartAssessment,
)
from bot.vocabulary import LABELS, RATING_LEVELS, label

FLOW = "assess"
SHORT_RANGES = 3


def start(state: FlowState) -> Outcome:
    """Open a new assessment at the first domain."""
    return Outcome(state.moved("rate", index=0, ratings={}), changes=(StartAssessment(),))


def shows_last_time(state: FlowState) -> bool:
    """Whether what an event at this step leads to may show the last assessment's levels."""
    step = state.payload["prev"]["step"] if state.step == "resume" else state.step
    return step == "rate"


def last_levels(ctx: Context) -> dict[str, str]:
    """domain_id -> level in the latest completed assessment (loaded for the rating steps)."""
    return ctx.history[-1].levels if ctx.history else {}


def first_sentence(text: str, limit: int = 110) -> str:
    sentence = text.split(". ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def level_buttons(state: FlowState, chosen: str | None) -> list[tuple[Button, ...]]:
    buttons = [
        state.button(("✓ " if level == chosen else "") + LABELS[level], str(n))
        for n, level in enumerate(RATING_LEVELS)
    ]
    return list(rows(*buttons, per_row=2))


def domain_in_short(domain: Domain) -> str:
    """Each level of a domain in a few of its ranges, quoted from the framework."""
    parts = []
    for level in Level:
        lines = [
            f"• {r.name}: {first_sentence(r.descriptor(level))}"
            for r in domain.ranges[:SHORT_RANGES]
        ]
        parts.append(f"{level.label}:\n" + "\n".join(lines))
    more = len(domain.ranges) - SHORT_RANGES
    tail = f'\n(+{more} more ranges: ask me, e.g. "{domain.ranges[-1].name} managerial")'
    return "\n\n".join(parts) + (tail if more > 0 else "") + f"\nSource: {domain.source}"


def render_rate(state: FlowState, ctx: Context) -> View:
    domains = ctx.kb.competency.domains
    i = state.payload["index"]
    domain = domains[i]
    chosen = state.payload["ratings"].get(domain.id)
    last = last_levels(ctx).get(domain.id)
    body = f"{domain.name}\nWhere are you today?"
    if last:
        body += f"\n(last time: {LABELS[last]})"
    if state.payload.get("show"):
        body += "\n\n" + domain_in_short(domain)
    layout = level_buttons(state, chosen)
    if last:
        layout.append((state.button(f"Keep {LABELS[last]}", "k"),))
    toggle = "Hide the meanings" if state.payload.get("show") else "What do these mean here?"
    layout.append((state.button(toggle, "m"),))
    layout.append(_back_and_skip(state, i > 0))
    title = f"Self-assessment · {i + 1}/{len(domains)}"
    return View(body, title=title, buttons=tuple(layout))


def _back_and_skip(state: FlowState, can_go_back: bool) -> tuple[Button, ...]:
    """Skip, and Back unless this is the first question (there is nothing before it)."""
    skip = state.button("Skip ▶", "s")
    return (state.button("◀ Back", "b"), skip) if can_go_back else (skip,)


def _next_domain(state: FlowState, ratings: dict[str, str], ctx: Context) -> FlowState:
    i = state.payload["index"] + 1
    if i >= len(ctx.kb.competency.domains):
        return state.moved("deeper", ratings=ratings, done=[])
    return state.moved("rate", index=i, ratings=ratings)


def tap_rate(state: FlowState, value: str, ctx: Context) -> Outcome:
    domain = ctx.kb.competency.domains[state.payload["index"]]
    ratings = dict(state.payload["ratings"])
    if value == "m":
        return Outcome(state.updated(show=not state.payload.get("show")))
    if value == "b" and state.payload["index"] > 0:
        return Outcome(state.updated(index=state.payload["index"] - 1, show=False))
    if value == "s":
        changes = (ClearRating(domain.id),) if ratings.pop(domain.id, None) else ()
        return Outcome(_next_domain(state, ratings, ctx), changes=changes)
    last = last_levels(ctx).get(domain.id)
    if value == "k" and last:
        value = str(RATING_LEVELS.index(last))
    if (picked := index(value, len(RATING_LEVELS))) is not None:
        level = RATING_LEVELS[picked]
        ratings[domain.id] = level
        return Outcome(_next_domain(state, ratings, ctx), changes=(RecordRating(domain.id, level),))
    return INVALID


def render_deeper(state: FlowState, ctx: Context) -> View:
    done = set(state.payload.get("done", []))
    buttons = [
        state.button(("✓ " if d.id in done else "") + d.name, f"d{n}")
        for n, d in enumerate(ctx.kb.competency.domains)
    ]
    finish = "Done: set my targets" if done else "No thanks: set my targets"
    layout = [*rows(*buttons, per_row=2), (state.button(finish, "n"),)]
    body = "Want to go deeper? You can rate the ranges inside one domain (optional)."
    if done:
        names = ", ".join(d.name for d in ctx.kb.competency.domains if d.id in done)
        body += f"\nRanges rated in: {names}. Another domain, or set your targets?"
    return View(
        body,
        title="Self-assessment · ranges",
        buttons=tuple(layout),
    )


def tap_deeper(state: FlowState, value: str, ctx: Context) -> Outcome:
    domains = ctx.kb.competency.domains
    if value == "n":
        return Outcome(_targets_state(state, ctx))
    if (picked := index(value, len(domains), "d")) is not None:
        return Outcome(state.at("range_rate", domain=picked, range_index=0, range_ratings={}))
    return INVALID


def render_rrate(state: FlowState, ctx: Context) -> View:
    domain = ctx.kb.competency.domains[state.payload["domain"]]
    j = state.payload["range_index"]
    rng = domain.ranges[j]
    chosen = state.payload["range_ratings"].get(rng.id)
    levels = "\n\n".join(f"{lv.label}: {rng.descriptor(lv)}" for lv in Level)
    body = f"{rng.name}\nWhere are you today?\n\n{levels}\nSource: {rng.source}"
    layout = level_buttons(state, chosen)
    layout.append(_back_and_skip(state, j > 0))
    title = f"{domain.name} · {j + 1}/{len(domain.ranges)}"
    return View(body, title=title, buttons=tuple(layout))


def _next_range(state: FlowState, range_ratings: dict[str, str], ctx: Context) -> FlowState:
    domain = ctx.kb.competency.domains[state.payload["domain"]]
    j = state.payload["range_index"] + 1
    if j >= len(domain.ranges):
        done = [d for d in state.payload.get("done", []) if d != domain.id] + [domain.id]
        return state.moved("deeper", ratings=state.payload["ratings"], done=done)
    return state.updated(range_index=j, range_ratings=range_ratings)


def tap_rrate(state: FlowState, value: str, ctx: Context) -> Outcome:
    domain = ctx.kb.competency.domains[state.payload["domain"]]
    rng = domain.ranges[state.payload["range_index"]]
    rr = dict(state.payload["range_ratings"])
    if value == "b" and state.payload["range_index"] > 0:
        return Outcome(state.updated(range_index=state.payload["range_index"] - 1))
    if value == "s":
        changes = (ClearRating(domain.id, rng.id),) if rr.pop(rng.id, None) else ()
        return Outcome(_next_range(state, rr, ctx), changes=changes)
    if (picked := index(value, len(RATING_LEVELS))) is not None:
        level = RATING_LEVELS[picked]
        rr[rng.id] = level
        change = RecordRating(domain.id, level, range_id=rng.id)
        return Outcome(_next_range(state, rr, ctx), changes=(change,))
    return INVALID


def suggested_targets(ratings: dict[str, str], ctx: Context) -> dict[str, tuple[str, str]]:
    profile = ctx.profile
    titles = {d.id: d.title for d in ctx.kb.career.directions}
    stage = profile.career_stage if profile else None
    directions = profile.directions if profile else ()
    return {
        d.id: suggest_target(ratings.get(d.id), stage, directions, titles)
        for d in ctx.kb.competency.domains
    }


def _targets_state(state: FlowState, ctx: Context, mode: str = "assess") -> FlowState:
    ratings = dict(state.payload.get("ratings", {}))
    suggestions = suggested_targets(ratings, ctx)
    targets = {d: level for d, (level, _) in suggestions.items()}
    return state.moved("targets", ratings=ratings, targets=targets, mode=mode)


def settings_targets(state: FlowState, ctx: Context) -> FlowState:
    """Targets as stored, for changing them from /settings (no assessment open)."""
    current = ctx.history[-1].levels if ctx.history else {}
    stored = dict(ctx.profile.targets) if ctx.profile else {}
    suggestions = suggested_targets(current, ctx)
    targets = {d: stored.get(d, level) for d, (level, _) in suggestions.items()}
    return state.moved("targets", ratings=current, targets=targets, mode="settings")


def render_targets(state: FlowState, ctx: Context) -> View:
    ratings, targets = state.payload["ratings"], state.payload["targets"]
    suggestions = suggested_targets(ratings, ctx)
    lines = ["Your targets for the next 1-2 years (suggestions are careerbot's own):"]
    for d in ctx.kb.competency.domains:
        target = targets.get(d.id)
        sug_level, reason = suggestions[d.id]
        note = f"suggested: {reason}" if target == sug_level else "your choice"
        lines.append(f"• {d.name}: {label(ratings.get(d.id))} → {label(target)} ({note})")
    layout = (
        (state.button("✓ Accept these targets", "ok"),),
        (state.button("Change a target", "c"),),
    )
    return View("\n".join(lines), title="Targets", buttons=layout)


def tap_targets(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "c":
        return Outcome(state.at("target_pick"))
    if value != "ok":
        return INVALID
    targets = state.payload["targets"]
    changes: list[Change] = [SetTarget(d, level) for d, level in targets.items()]
    if state.payload.get("mode") == "settings":
        view = View(
            "Your targets are saved.",
            title="Targets",
            buttons=rows(Button("See my plan", go_data("plan"))),
        )
        return Outcome(state.moved(IDLE), changes=tuple(changes), views=(view,), show_state=False)
    changes.append(CompleteAssessment())
    rated = sum(1 for level in state.payload["ratings"].values() if level)
    view = View(
        f"Assessment saved: {rated} of {len(ctx.kb.competency.domains)} domains rated, "
        "targets set. Your plan is ready.",
        title="Done",
        buttons=rows(
            Button("See my plan", go_data("plan")), Button("My progress", go_data("progress"))
        ),
    )
    done = Outcome(
        state.moved(IDLE, **{saved.NOTE: saved.note(ctx, rated)}),
        changes=tuple(changes),
        views=(view,),
        show_state=False,
        effect=AttachChart(),
    )
    return objectives.after_assessment(done, ctx)


def render_tpick(state: FlowState, ctx: Context) -> View:
    buttons = [state.button(d.name, f"d{n}") for n, d in enumerate(ctx.kb.competency.domains)]
    layout = [*rows(*buttons, per_row=2), (state.button("◀ Back", "b"),)]
    return View("Which domain's target?", title="Change a target", buttons=tuple(layout))


def tap_tpick(state: FlowState, value: str, ctx: Context) -> Outcome:
    domains = ctx.kb.competency.domains
    if value == "b":
        return Outcome(state.at("targets"))
    if (picked := index(value, len(domains), "d")) is not None:
        return Outcome(state.at("target_level", target_domain=picked))
    return INVALID


def render_tlevel(state: FlowState, ctx: Context) -> View:
    domain = ctx.kb.competency.domains[state.payload["target_domain"]]
    chosen = state.payload["targets"].get(domain.id)
    buttons = [
        state.button(("✓ " if level == chosen else "") + LABELS[level], str(n))
        for n, level in enumerate(RATING_LEVELS)
        if n > 0
    ]
    layout = [*rows(*buttons), (state.button("◀ Back", "b"),)]
    return View(
        f"{domain.name}\nToday: {label(state.payload['ratings'].get(domain.id))}. "
        "Where do you want to be in 1-2 years?",
        title="Change a target",
        buttons=tuple(layout),
    )


def tap_tlevel(state: FlowState, value: str, ctx: Context) -> Outcome:
    payload = dict(state.payload)
    domain = ctx.kb.competency.domains[payload.pop("target_domain")]
    if value == "b":
        return Outcome(FlowState("target_pick", payload, state.version))
    if (picked := index(value, len(RATING_LEVELS))) is not None and picked > 0:
        payload["targets"] = {**payload["targets"], domain.id: RATING_LEVELS[picked]}
        return Outcome(FlowState("targets", payload, state.version))
    return INVALID


register(
    # the rating steps show the last assessment's levels
    Step("rate", FLOW, render_rate, tap_rate, loads=("history",)),
    Step("deeper", FLOW, render_deeper, tap_deeper),
    Step("range_rate", FLOW, render_rrate, tap_rrate),
    # accepting the targets finishes the assessment, which asks about the open objectives
    Step("targets", FLOW, render_targets, tap_targets, loads=("objectives",)),
    Step("target_pick", FLOW, render_tpick, tap_tpick),
    Step("target_level", FLOW, render_tlevel, tap_tlevel),
)
