"""The development plan (`/plan`): data gathered from the frameworks, then drawn as views.

`build_plan` only gathers (so a chart or a PDF can use the same data); `render_plan` draws it.
Every descriptor, intervention and outcome is quoted from the knowledge base with its source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.flows.callbacks import go_data
from bot.flows.levels import RATING_LEVELS, bar, label, rank
from bot.flows.views import Button, View, rows
from bot.knowledge import KnowledgeBase, Level
from bot.knowledge.competency import Domain, Range
from bot.storage.records import AssessmentRecord, ProfileRecord

MAX_GAPS = 3
RANGES_PER_GAP = 2


@dataclass(frozen=True, slots=True)
class DomainLine:
    domain: Domain
    current: str | None
    target: str | None

    @property
    def gap(self) -> int:
        return max(rank(self.target) - max(rank(self.current), 0), 0)


@dataclass(frozen=True, slots=True)
class GapStep:
    """A range to work on: the framework's descriptor of the next level up."""

    domain: Domain
    range: Range
    level: Level


@dataclass(frozen=True, slots=True)
class Intervention:
    directions_label: str
    interventions: tuple[tuple[str, str], ...]  # (title, information)
    outcome_heading: str | None
    outcome_points: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class PlanData:
    stage_title: str | None
    direction_titles: tuple[str, ...]
    lines: tuple[DomainLine, ...]
    gaps: tuple[GapStep, ...]
    interventions: tuple[Intervention, ...]
    assessed_on: str


def _next_level(current: str | None) -> Level:
    return Level(RATING_LEVELS[min(max(rank(current), 0) + 1, 3)])


def _relevant_ranges(domain: Domain, latest: AssessmentRecord, level: Level) -> list[Range]:
    """Ranges rated below `level` in the deeper pass first, then the domain's first ranges."""
    rated = latest.range_levels
    below = [
        r
        for r in domain.ranges
        if (domain.id, r.id) in rated and rank(rated[(domain.id, r.id)]) < rank(level.value)
    ]
    rest = [r for r in domain.ranges if r not in below and (domain.id, r.id) not in rated]
    return (below + rest)[:RANGES_PER_GAP]


def _interventions(kb: KnowledgeBase, profile: ProfileRecord) -> tuple[Intervention, ...]:
    stage = next((s for s in kb.career.stages if s.id == profile.career_stage), None)
    if stage is None:
        return ()
    options = {o.id: o for o in stage.training_options}
    chosen = set(profile.directions)
    found = []
    for row in stage.development:
        if chosen and not chosen.intersection(row.directions):
            continue
        outcome = row.learning_outcome
        found.append(
            Intervention(
                directions_label=row.label,
                interventions=tuple(
                    (options[i].title, options[i].information)
                    for i in row.interventions
                    if i in options
                ),
                outcome_heading=outcome.heading if outcome else None,
                outcome_points=tuple(outcome.points) if outcome else (),
                source=f"Career development framework (NHS England, 2024), "
                f"{stage.development_table}",
            )
        )
    return tuple(found)


def build_plan(
    kb: KnowledgeBase, profile: ProfileRecord, history: Sequence[AssessmentRecord]
) -> PlanData | None:
    """Everything the plan shows, or None before the first completed assessment."""
    if not history:
        return None
    latest = history[-1]
    levels = latest.levels
    lines = tuple(
        DomainLine(d, levels.get(d.id), profile.targets.get(d.id)) for d in kb.competency.domains
    )
    gaps: list[GapStep] = []
    for line in sorted((x for x in lines if x.gap > 0), key=lambda x: -x.gap)[:MAX_GAPS]:
        level = _next_level(line.current)
        gaps += [
            GapStep(line.domain, r, level) for r in _relevant_ranges(line.domain, latest, level)
        ]
    stage = next((s for s in kb.career.stages if s.id == profile.career_stage), None)
    titles = {d.id: d.title for d in kb.career.directions}
    return PlanData(
        stage_title=stage.title if stage else None,
        direction_titles=tuple(titles.get(d, d) for d in profile.directions),
        lines=lines,
        gaps=tuple(gaps),
        interventions=_interventions(kb, profile),
        assessed_on=(latest.completed_at or latest.started_at).strftime("%d %b %Y"),
    )


def next_steps(plan: PlanData) -> list[str]:
    """Three concrete next steps, in careerbot's words, pointing at the quoted framework text."""
    steps = []
    if plan.gaps:
        gap = plan.gaps[0]
        steps.append(
            f"Pick one piece of work that shows {gap.range.name} at {gap.level.label} level "
            f"(see gap 1) and agree it with your line manager or partners."
        )
    else:
        steps.append("You are at or above your targets: raise one target in /settings.")
    first = next((i for i in plan.interventions if i.interventions), None)
    if first:
        steps.append(f'Look into "{first.interventions[0][0]}" (for {first.directions_label}).')
    else:
        steps.append("Choose your career directions in /settings to see matching interventions.")
    steps.append("Keep evidence of what you do, then re-assess in about three months: /assess.")
    return steps


def render_plan(plan: PlanData) -> list[View]:
    """The plan as views: where you are and the gaps; then the career framework's support."""
    header = [
        f"Assessed {plan.assessed_on}. Stage: {plan.stage_title or 'not set'}. "
        f"Directions: {', '.join(plan.direction_titles) or 'none chosen'}.",
        "",
        "Now → target (■ now, □ to go):",
    ]
    header += [
        f"{bar(x.current, x.target)} {x.domain.name}: {label(x.current)} → {label(x.target)}"
        for x in plan.lines
    ]
    gap_lines = []
    for n, gap in enumerate(plan.gaps, start=1):
        gap_lines.append(
            f"{n}. {gap.domain.name} · {gap.range.name} · {gap.level.label}:\n"
            f'"{gap.range.descriptor(gap.level)}"'
        )
    if gap_lines:
        header += [
            "",
            "Largest gaps: what the next level looks like (Competency framework "
            "for practice management, Annex C):",
            *gap_lines,
        ]
    first = View("\n".join(header), title="Your development plan")

    support = []
    for item in plan.interventions:
        block = [f"{item.directions_label}:"]
        block += [f"• {title}: {info}" for title, info in item.interventions]
        if item.outcome_heading:
            points = "; ".join(item.outcome_points)
            block.append(
                f"Learning outcome: {item.outcome_heading}" + (f": {points}" if points else "")
            )
        support.append("\n".join(block))
    if plan.interventions:
        support.append(f"Source: {plan.interventions[0].source}")
    else:
        support.append("Set your career stage and directions in /settings to see interventions.")
    steps = "\n".join(f"{n}. {s}" for n, s in enumerate(next_steps(plan), start=1))
    support.append(f"Next steps (careerbot's suggestions):\n{steps}")
    second = View(
        "\n\n".join(support),
        title="Support from the career framework",
        buttons=rows(
            Button("My progress", go_data("progress")),
            Button("Re-assess", go_data("assess")),
            Button("Remind me to re-assess", go_data("remind")),
            per_row=2,
        ),
    )
    return [first, second]
