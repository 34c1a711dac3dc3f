"""Questions about the user's own plan, answered from what they stored.

"what should I work on", "how am I doing in finance", "what training fits me", "when is my
next review": the answer comes from their profile, latest ratings, targets and reminders,
quoting the framework where it applies. Nothing here is shown in a group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.flows.callbacks import go_data
from bot.flows.core import Context
from bot.flows.plan import DomainLine, build_plan
from bot.flows.views import Button, View, rows
from bot.knowledge.competency import Level
from bot.storage.records import ReminderRecord
from bot.vocabulary import label, rank

FOCUS, DOMAIN, TRAINING, REVIEW = "focus", "domain", "training", "review"
_ME = r"(i|me|my|mine|myself|im|i m)"
INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        REVIEW,
        re.compile(
            rf"\bwhen\b.*\b{_ME}\b.*\b(review|re ?assess\w*|appraisal|reminder|check ?in)\b|"
            r"\bmy next (review|reminder|re ?assessment|appraisal)\b"
        ),
    ),
    (
        TRAINING,
        re.compile(
            rf"\b(training|courses?|qualifications?|development options?)\b.*\b(for|fits?|suits?)"
            rf" {_ME}\b|\bwhat (training|courses?)\b.*\bshould {_ME}\b|\bmy training\b"
        ),
    ),
    (
        DOMAIN,
        re.compile(
            rf"\bhow (am|m) {_ME}\b.*\b(doing|getting on|rated|scoring)\b|"
            rf"\bmy (rating|ratings|level|levels|score|scores|progress)\b"
        ),
    ),
    (
        FOCUS,
        re.compile(
            rf"\bwhat should {_ME} (work on|focus on|improve|develop|do next|learn)\b|"
            rf"\b(my|where are my) (gaps?|weak\w*|biggest gap|priorit\w*|targets?)\b|"
            rf"\bwhere (should|do) {_ME} (start|focus)\b"
        ),
    ),
)
NO_PLAN = "You have no self-assessment yet, so I can't answer from your ratings."


def intent(text: str) -> str | None:
    """Which question about the user's own plan `text` asks, if any."""
    folded = " ".join(re.findall(r"[a-z0-9&]+", text.casefold().replace("'", " ")))
    return next((name for name, pattern in INTENTS if pattern.search(folded)), None)


def _assess_button() -> tuple[tuple[Button, ...], ...]:
    return rows(Button("Start self-assessment", go_data("assess")))


def answer(kind: str, text: str, ctx: Context, reminders: Sequence[ReminderRecord] = ()) -> View:
    """The answer to one of the `INTENTS`, from the user's stored data."""
    if kind == REVIEW:
        return _review(ctx, reminders)
    if kind == TRAINING:
        return _training(ctx)
    plan = build_plan(ctx.kb, ctx.profile, ctx.history or ()) if ctx.profile else None
    if plan is None:
        return View(NO_PLAN, title="About you", buttons=_assess_button())
    if kind == DOMAIN:
        found = ctx.lookup.ask(text)
        domain_id = getattr(found, "domain_id", None)
        line = next((x for x in plan.lines if x.domain.id == domain_id), None)
        if line is not None:
            return _domain(ctx, line, plan.assessed_on)
        overview = [
            f"• {x.domain.name}: {label(x.current)} (target {label(x.target)})" for x in plan.lines
        ]
        body = f"Your ratings of {plan.assessed_on}:\n" + "\n".join(overview)
        return View(body, title="About you", buttons=rows(Button("My plan", go_data("plan"))))
    if not plan.gaps:
        body = "You are at or above every target you set. Raise a target in /settings."
        return View(body, title="What to work on")
    lines = [f"From your self-assessment of {plan.assessed_on}, your largest gaps:"]
    for n, gap in enumerate(plan.gaps, start=1):
        lines.append(
            f"{n}. {gap.domain.name} · {gap.range.name}, {gap.level.label} level: "
            f"“{gap.range.descriptor(gap.level)}”"
        )
    lines += ["", "Source: Competency framework for practice management (Annex C), 2004."]
    return View(
        "\n".join(lines),
        title="What to work on",
        buttons=rows(Button("My plan", go_data("plan")), Button("Log CPD", go_data("log"))),
    )


def _domain(ctx: Context, line: DomainLine, assessed_on: str) -> View:
    domain, current, target = line.domain, line.current, line.target
    lines = [f"{domain.name}: you rated yourself {label(current)} on {assessed_on}."]
    history = ctx.history or ()
    if len(history) > 1:
        before = history[-2].levels.get(domain.id)
        lines.append(f"Before that: {label(before)}.")
    if target:
        lines.append(f"Your target: {label(target)}.")
    nxt = max(rank(current), 0) + 1
    if target and rank(target) > rank(current) and nxt <= 3:
        level = tuple(Level)[nxt - 1]
        lines += [
            "",
            f"The next level, {level.label}, for example in {domain.ranges[0].name}:",
            f"“{domain.ranges[0].descriptor(level)}”",
            f"Source: {domain.source}.",
        ]
    return View(
        "\n".join(lines),
        title="How you are doing",
        buttons=rows(Button("My progress", go_data("progress"))),
    )


def _training(ctx: Context) -> View:
    profile = ctx.profile
    stage = next(
        (s for s in ctx.kb.career.stages if profile and s.id == profile.career_stage), None
    )
    if stage is None:
        body = "Tell me your career stage first (/settings) and I'll list the training for it."
        return View(body, title="Training for you")
    chosen = set(profile.directions) if profile else set()
    options = {o.id: o for o in stage.training_options}
    picked = [
        options[i]
        for row in stage.development
        if chosen & set(row.directions)
        for i in row.interventions
        if i in options
    ]
    shown = list(dict.fromkeys(picked)) or list(stage.training_options)
    why = "your directions" if picked else "your stage"
    lines = [f"Training options for {stage.title} that fit {why}:"]
    lines += [f"• {o.title}: “{o.information}”" for o in shown[:8]]
    lines += [
        "",
        f"Source: Career development framework (NHS England, 2024), {stage.training_table}.",
    ]
    return View("\n".join(lines), title="Training for you")


def _review(ctx: Context, reminders: Sequence[ReminderRecord]) -> View:
    pending = sorted(
        (r for r in reminders if r.sent_at is None and r.cancelled_at is None),
        key=lambda r: r.due_at,
    )
    if pending:
        due = pending[0].due_at.strftime("%d %b %Y")
        body = f"Your next re-assessment reminder is due on {due}."
    else:
        body = "You have no reminder set. /remind sets one (three months is usual)."
    history = ctx.history or ()
    if history:
        last = history[-1]
        when = (last.completed_at or last.started_at).strftime("%d %b %Y")
        body += f" Your last self-assessment was on {when}."
    return View(
        body, title="Your next review", buttons=rows(Button("Remind me", go_data("remind")))
    )
