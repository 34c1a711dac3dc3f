"""The development plan (`/plan`): data gathered from the frameworks, then drawn as views.

`build_plan` only gathers (so a chart or a PDF can use the same data); `render_plan` draws it.
Every descriptor, intervention and outcome is quoted from the knowledge base with its source.
Gaps come from what this user rated (see `bot.flows.gaps`); a skipped domain is no gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.flows.callbacks import go_data
from bot.flows.gaps import RangePick, best_option, profile_picks, profile_terms, rated_shortfalls
from bot.flows.views import MAX_TEXT, Button, View, rows
from bot.knowledge import KnowledgeBase, Level
from bot.knowledge.career import TrainingOption
from bot.knowledge.competency import Domain, Range
from bot.storage.records import AssessmentRecord, ProfileRecord
from bot.vocabulary import bar, label, rank

MAX_GAPS = 3
RANGES_PER_GAP = 2
GAP_HEADROOM = 300  # the gaps' heading and the title


@dataclass(frozen=True, slots=True)
class DomainLine:
    domain: Domain
    current: str | None
    target: str | None

    @property
    def gap(self) -> int:
        """Levels from the rating to the target; 0 for a skipped domain (no rating, no gap)."""
        if self.current is None:
            return 0
        return max(rank(self.target) - rank(self.current), 0)


@dataclass(frozen=True, slots=True)
class GapStep:
    """A range to work on: the framework's descriptor of the next level up, the user's own
    rating of the range (None when careerbot chose it by profile) and the career framework's
    training option that fits it best for the user's stage and directions."""

    domain: Domain
    range: Range
    level: Level
    rated: str | None = None
    support: TrainingOption | None = None

    @property
    def why(self) -> str:
        if self.rated is not None:
            return f"you rated this range {label(self.rated)}"
        return "picked for your role, stage and directions"


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


def _gap_picks(
    line: DomainLine, latest: AssessmentRecord, wanted: frozenset[str]
) -> list[RangePick]:
    """The ranges of a domain to work on: the user's own range ratings where they rated any
    range of it, otherwise the ranges that fit their profile best."""
    levels = latest.range_levels
    rated = rated_shortfalls(line.domain, line.target, levels)
    if rated or line.gap == 0:
        return rated[:RANGES_PER_GAP]
    unrated = [
        pick
        for pick in profile_picks(line.domain, line.current, wanted)
        if (line.domain.id, pick.range.id) not in levels
    ]
    return unrated[:RANGES_PER_GAP]


def _shortfall(line: DomainLine, picks: list[RangePick]) -> int:
    """How far below target the domain's furthest range (or the domain itself) is."""
    below = [rank(line.target) - rank(p.rated) for p in picks if p.rated is not None]
    return max([line.gap, *below])


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
                source=", ".join(
                    part
                    for part in (
                        "Career development framework (NHS England, 2024)",
                        stage.development_table or stage.title,
                    )
                    if part
                ),
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
    wanted = profile_terms(kb, profile)
    found = [
        (line, picks)
        for line in lines
        if line.current is not None and (picks := _gap_picks(line, latest, wanted))
    ]
    found.sort(key=lambda item: -_shortfall(*item))  # stable: framework order on ties
    gaps = [
        GapStep(
            line.domain,
            pick.range,
            pick.level,
            pick.rated,
            best_option(kb, profile, pick.range, pick.level),
        )
        for line, picks in found[:MAX_GAPS]
        for pick in picks
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


def gap_text(n: int, gap: GapStep) -> str:
    """One gap: the range, why it is here, the next level's descriptor and the training option
    that fits it, each quoted with its source."""
    lines = [
        f"{n}. {gap.domain.name} · {gap.range.name} · {gap.level.label} ({gap.why}):",
        f'"{gap.range.descriptor(gap.level)}"',
        f"Source: {gap.range.source}",
    ]
    if gap.support is not None:
        lines.append(f"Support: {gap.support.title} ({gap.support.source})")
    return "\n".join(lines)


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
    gap_lines: list[str] = []
    room = MAX_TEXT - len("\n".join(header)) - GAP_HEADROOM
    for n, gap in enumerate(plan.gaps, start=1):
        text = gap_text(n, gap)
        room -= len(text) + 1
        if room < 0:  # one message holds the plan; the PDF (/export) has every gap
            gap_lines.append(f"(and {len(plan.gaps) - n + 1} more in the PDF: /export)")
            break
        gap_lines.append(text)
    if gap_lines:
        header += [
            "",
            "Largest gaps: what the next level looks like, and the career framework's "
            "support for your stage and directions:",
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
