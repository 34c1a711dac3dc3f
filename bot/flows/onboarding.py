"""Onboarding (`/start`): welcome and privacy note, role, career stage, career directions."""

from __future__ import annotations

from typing import Any

from bot.flows.callbacks import go_data
from bot.flows.core import IDLE, INVALID, Context, FlowState, Outcome, Step, register
from bot.flows.values import index
from bot.flows.views import Button, View, rows
from bot.storage.changes import AcceptPrivacy, SetProfile

FLOW = "onboarding"

ROLES: dict[str, str] = {
    "pm": "Practice manager",
    "pcn": "PCN manager",
    "deputy": "Assistant / deputy manager",
    "specialist": "Specialist (e.g. finance or HR manager)",
    "aspiring": "Aspiring manager",
    "other": "Other",
}

# careerbot's own rule of thumb for "not sure": the framework puts early career in the first
# five years and established at five or more; it gives no years for late career.
YEAR_BANDS: dict[str, tuple[str, int, str]] = {
    "y0": ("Under 2 years", 1, "early"),
    "y2": ("2 to 5 years", 3, "early"),
    "y5": ("5 to 10 years", 7, "established"),
    "y10": ("10 to 20 years", 15, "established"),
    "y20": ("Over 20 years", 25, "late"),
}

WELCOME = (
    "I help primary care managers see where they are against the practice management "
    "competency framework and NHS England's career development framework, and plan what's next."
)
PRIVACY_LINE = (
    "Privacy: I store your role, stage, directions and ratings to build your plan; "
    "/export gives you a copy, /forget deletes everything."
)


def _after(state: FlowState) -> str:
    """Where a step goes next: on in onboarding, or back to settings when called from there."""
    return str(state.payload.get("back", ""))


def _onward(state: FlowState, step: str, **payload: object) -> FlowState:
    """The next onboarding step, carrying the deep link (`then`) the user arrived with."""
    then = state.payload.get("then")
    return state.moved(step, **payload, **({"then": then} if then else {}))


def render_welcome(state: FlowState, ctx: Context) -> View:
    return View(
        f"{WELCOME}\n{PRIVACY_LINE}",
        title="Welcome to careerbot",
        buttons=rows(state.button("OK, let's start", "ok")),
    )


def tap_welcome(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value != "ok":
        return INVALID
    return Outcome(_onward(state, "role"), changes=(AcceptPrivacy(),))


def render_role(state: FlowState, ctx: Context) -> View:
    current = ctx.profile.role if ctx.profile else None
    buttons = [
        state.button(("✓ " if key == current else "") + label, key) for key, label in ROLES.items()
    ]
    return View("What is your role today?", title="Your role", buttons=rows(*buttons, per_row=2))


def tap_role(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value not in ROLES:
        return INVALID
    back = _after(state)
    nxt = state.moved(back) if back else _onward(state, "stage")
    return Outcome(nxt, changes=(SetProfile(role=value),))


def stage_definitions(ctx: Context) -> list[str]:
    lines = []
    for stage in ctx.kb.career.stages:
        definition = stage.definition or (
            "the framework gives no one-line definition; its late-career options are about "
            "winding down, legacy and leadership (careerbot's summary)."
        )
        lines.append(f"{stage.title}: {definition}")
    return lines


def render_stage(state: FlowState, ctx: Context) -> View:
    body = "\n\n".join(
        [
            "Which career stage are you at? In the framework's words:",
            *stage_definitions(ctx),
            "(Career development framework, NHS England 2024)",
        ]
    )
    buttons = [state.button(s.title, s.id) for s in ctx.kb.career.stages]
    buttons.append(state.button("Not sure", "unsure"))
    return View(body, title="Career stage", buttons=rows(*buttons, per_row=2))


def _stage_chosen(state: FlowState, stage_id: str, extra: dict[str, Any] | None = None) -> Outcome:
    back = _after(state)
    nxt = state.moved(back) if back else _onward(state, "dirs", selected=[], info=False)
    fields = {"career_stage": stage_id, **(extra or {})}
    return Outcome(nxt, changes=(SetProfile(**fields),))


def tap_stage(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "unsure":
        return Outcome(_onward(state, "years", back=_after(state)))
    if value not in {s.id for s in ctx.kb.career.stages}:
        return INVALID
    return _stage_chosen(state, value)


def render_years(state: FlowState, ctx: Context) -> View:
    buttons = [state.button(label, key) for key, (label, _, _) in YEAR_BANDS.items()]
    return View(
        "How long have you worked in primary care management, or in an equivalent role?",
        title="Career stage",
        buttons=rows(*buttons, per_row=2),
    )


def tap_years(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value not in YEAR_BANDS:
        return INVALID
    _, years, suggested = YEAR_BANDS[value]
    return Outcome(_onward(state, "years_hint", years=years, sug=suggested, back=_after(state)))


def render_ysuggest(state: FlowState, ctx: Context) -> View:
    suggested = state.payload.get("sug", "early")
    stage = next(s for s in ctx.kb.career.stages if s.id == suggested)
    reason = {
        "early": "the framework's early career is the first five years in primary care management.",
        "established": "the framework's established career starts at five or more years.",
        "late": "after 20 years or more many managers think about winding down or their legacy "
        "(careerbot's own rule of thumb; the framework gives no years for late career).",
    }[suggested]
    body = f"I suggest {stage.title}: {reason}"
    if stage.definition:
        body += f"\n\n{stage.title}: {stage.definition}"
    buttons = [
        state.button(f"{s.title}{' (suggested)' if s.id == suggested else ''}", s.id)
        for s in ctx.kb.career.stages
    ]
    return View(body, title="Career stage", buttons=rows(*buttons))


def tap_ysuggest(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value not in {s.id for s in ctx.kb.career.stages}:
        return INVALID
    return _stage_chosen(state, value, {"years_in_management": state.payload.get("years")})


def render_dirs(state: FlowState, ctx: Context) -> View:
    selected = set(state.payload.get("selected", []))
    directions = ctx.kb.career.directions
    lines = ["Which career directions fit you now? Pick any, then Done."]
    if state.payload.get("info"):
        lines += [f"{d.title}: {d.outcome}" for d in directions]
        lines.append("(Career development framework, Table 2: career directions and outcomes)")
    buttons = [
        state.button(("✅ " if d.id in selected else "▫️ ") + d.title, f"d{i}")
        for i, d in enumerate(directions)
    ]
    toggle = "Hide what these mean" if state.payload.get("info") else "What do these mean?"
    layout = [*rows(*buttons, per_row=2), (state.button(toggle, "info"),)]
    layout.append((state.button("Done", "done"),))
    return View("\n\n".join(lines), title="Career directions", buttons=tuple(layout))


def tap_dirs(state: FlowState, value: str, ctx: Context) -> Outcome:
    directions = ctx.kb.career.directions
    selected = list(state.payload.get("selected", []))
    if value == "info":
        return Outcome(state.updated(info=not state.payload.get("info")))
    if value == "done":
        chosen = tuple(d.id for d in directions if d.id in selected)
        back = _after(state)
        change = SetProfile(directions=chosen)
        if back:
            return Outcome(state.moved(back), changes=(change,))
        if then := state.payload.get("then"):  # on to where their link was taking them
            saved = View("Your profile is saved.", title="All set")
            return Outcome(
                state.moved(IDLE), changes=(change,), views=(saved,), show_state=False, then=then
            )
        done = View(
            "Your profile is saved. Next, a quick self-assessment: nine questions, one tap each.",
            title="All set",
            buttons=rows(
                Button("Start self-assessment", go_data("assess")), Button("Help", go_data("help"))
            ),
        )
        return Outcome(state.moved(IDLE), changes=(change,), views=(done,), show_state=False)
    if (picked := index(value, len(directions), "d")) is not None:
        direction = directions[picked].id
        if direction in selected:
            selected.remove(direction)
        else:
            selected.append(direction)
        return Outcome(state.updated(selected=selected))
    return INVALID


register(
    Step("welcome", FLOW, render_welcome, tap_welcome),
    Step("role", FLOW, render_role, tap_role),
    Step("stage", FLOW, render_stage, tap_stage),
    Step("years", FLOW, render_years, tap_years),
    Step("years_hint", FLOW, render_ysuggest, tap_ysuggest),
    Step("dirs", FLOW, render_dirs, tap_dirs),
)
