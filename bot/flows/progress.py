"""Progress (`/progress`): past assessments, dated, with what changed per domain."""

from __future__ import annotations

from collections.abc import Sequence

from bot.flows.callbacks import go_data
from bot.flows.core import CommandSpec, Context, FlowState, Outcome, register
from bot.flows.views import Button, View, rows
from bot.knowledge import KnowledgeBase
from bot.storage.records import AssessmentRecord
from bot.vocabulary import label, rank

SHOWN = 6


def _date(record: AssessmentRecord) -> str:
    return (record.completed_at or record.started_at).strftime("%d %b %Y")


def _skip_note(before: str | None, now: str | None) -> str:
    if now is None:
        return f"skipped this time (was {label(before)})"
    return f"{label(now)} (skipped last time)"


def render_progress(kb: KnowledgeBase, history: Sequence[AssessmentRecord]) -> View:
    if not history:
        return View(
            "No completed self-assessment yet.",
            title="Your progress",
            buttons=rows(Button("Start self-assessment", go_data("assess"))),
        )
    blocks = []
    shown = list(history)[-SHOWN:]
    start = len(history) - len(shown)
    for n, record in enumerate(shown):
        levels = record.levels
        previous = history[start + n - 1].levels if start + n > 0 else None
        lines = [f"{start + n + 1}. {_date(record)}: {len(levels)} of 9 domains rated"]
        for domain in kb.competency.domains:
            now = levels.get(domain.id)
            if previous is None:
                continue
            before = previous.get(domain.id)
            if now is None or before is None:
                if now != before:  # a skip is no rating: neither a rise nor a fall
                    lines.append(f"   · {domain.name}: {_skip_note(before, now)}")
            elif now != before:
                arrow = "▲" if rank(now) > rank(before) else "▼"
                lines.append(f"   {arrow} {domain.name}: {label(before)} → {label(now)}")
        if previous is not None and len(lines) == 1:
            lines.append("   no change")
        blocks.append("\n".join(lines))
    if len(history) > SHOWN:
        blocks.insert(0, f"(showing the latest {SHOWN} of {len(history)})")
    return View(
        "\n\n".join(blocks),
        title="Your progress",
        buttons=rows(
            Button("My plan", go_data("plan")), Button("Re-assess", go_data("assess")), per_row=2
        ),
    )


def _progress(state: FlowState, args: str, ctx: Context) -> Outcome:
    return Outcome(None, views=(render_progress(ctx.kb, ctx.history or ()),), show_state=False)


register(
    CommandSpec(
        "progress",
        _progress,
        menu="How your ratings changed",
        help="how your ratings changed",
        loads=("history",),
        deep_link=True,
    )
)
