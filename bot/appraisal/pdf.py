"""The development plan as a PDF for appraisal: who, levels and change since last time, range
ratings, gaps, support, objectives, the CPD log with evidence and reflections, the appraiser's
comments and sign-off.

Built with fpdf2 in DejaVu Sans (bundled with matplotlib), so "→", "■" and curly quotes render.
Framework text is quoted with its source; careerbot's own suggestions are labelled as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from itertools import groupby
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.appraisal.chart import caption
from bot.appraisal.glyphs import covered, printable
from bot.flows.cpd import supports
from bot.flows.objectives import STATUS_LABELS
from bot.flows.onboarding import ROLES
from bot.flows.plan import PlanData, next_steps
from bot.flows.words import plural
from bot.knowledge import KnowledgeBase
from bot.storage.records import (
    AssessmentRecord,
    CommentRecord,
    CpdEntryRecord,
    EvidenceFileRecord,
    ObjectiveRecord,
    PlanShareRecord,
)
from bot.vocabulary import bar, label, rank

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
CHART_MM = 105
LINE = 5.5
GREY = (90, 90, 90)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 235, 245))
NO_ASSESSMENT = (
    "No completed self-assessment yet. Complete /assess in careerbot (nine questions, one tap "
    "each), then /export again to see your profile, gaps and the framework's interventions."
)


@dataclass(frozen=True, slots=True)
class Appraisal:
    """What the PDF prints beyond the plan: who, the history, objectives, evidence, sign-off."""

    role: str | None = None
    practice: str = ""
    history: Sequence[AssessmentRecord] = ()
    objectives: Sequence[ObjectiveRecord] = ()
    files: Sequence[EvidenceFileRecord] = ()
    comments: Sequence[CommentRecord] = ()
    shares: Sequence[PlanShareRecord] = ()

    @property
    def previous(self) -> AssessmentRecord | None:
        return self.history[-2] if len(self.history) > 1 else None


def _assessed_on(record: AssessmentRecord) -> str:
    return f"{record.completed_at or record.started_at:%d %b %Y}"


def change(now: str | None, before: str | None) -> str:
    """A domain's change since the previous assessment, in words; a skip is no rating."""
    if now is None:
        return f"skipped (was {label(before)})" if before else "skipped both times"
    if before is None:
        return "rated now, skipped before"
    if now == before:
        return "same"
    return f"{'▲ up' if rank(now) > rank(before) else '▼ down'} from {label(before)}"


class _Document(FPDF):
    """A4 pages with a footer naming the document, its owner and the page."""

    def __init__(self, owner: str) -> None:
        super().__init__(format="A4")
        for style, filename in FONT_FILES.items():
            self.add_font(FONT, style, FONT_DIR / filename)
        self.cmap = covered(FONT_DIR / FONT_FILES[""])
        self.owner = self.printable(owner)
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)

    def printable(self, text: str) -> str:
        """The user's own text (a name, a log entry) with what the font lacks made visible."""
        return printable(text, self.cmap)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Development plan · {self.owner} · page {self.page_no()}/{{nb}}")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, "B", 14)
        self.multi_cell(0, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 10.5)

    def para(self, text: str, style: str = "", size: float = 10.5, indent: float = 0) -> None:
        self.set_font(FONT, style, size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 10.5)

    def bullet(self, text: str, indent: float = 3) -> None:
        """A bullet point with a hanging indent."""
        self.set_x(self.l_margin + indent)
        self.cell(4, LINE, "•")
        self.multi_cell(0, LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def note(self, text: str, style: str = "") -> None:
        """Small grey text: sources and explanations."""
        self.set_text_color(*GREY)
        self.para(text, style, 9)
        self.set_text_color(0)

    def source(self, text: str) -> None:
        self.note(f"Source: {text}", "I")


def _cover(pdf: _Document, name: str, today: date, plan: PlanData | None, about: Appraisal) -> None:
    pdf.set_font(FONT, "B", 22)
    pdf.cell(0, 12, "Development plan", new_x="LMARGIN", new_y="NEXT")
    pdf.para(f"{pdf.owner} · prepared for appraisal on {today:%d %B %Y}", size=12)
    where = [ROLES.get(about.role or "", ""), about.practice]
    if any(where):
        pdf.para(pdf.printable(" · ".join(part for part in where if part)), "B", size=11)
    if plan is None:
        pdf.ln(2)
        pdf.para(NO_ASSESSMENT)
        return
    pdf.para(
        f"Self-assessment of {plan.assessed_on}. Career stage: {plan.stage_title or 'not set'}. "
        f"Directions: {', '.join(plan.direction_titles) or 'none chosen'}."
    )
    pdf.note(
        "Self-ratings against the Competency framework for practice management (Administrative, "
        "Managerial, Strategic; “Not yet” below Administrative), with targets for the next "
        "1-2 years and support from NHS England's Career development framework (2024)."
    )


def _levels(pdf: _Document, plan: PlanData, chart: bytes | None, about: Appraisal) -> None:
    pdf.heading("Profile: now and target")
    previous = about.previous
    if chart:
        x = (pdf.w - CHART_MM) / 2
        pdf.image(BytesIO(chart), x=x, w=CHART_MM, alt_text=caption(plan))
        if previous is not None:
            pdf.note(f"“Previous” on the chart: the assessment of {_assessed_on(previous)}.")
    pdf.set_font(FONT, "", 10)
    before = previous.levels if previous else None
    heads: tuple[str, ...] = ("Domain", "Now", "Target", "Levels")
    widths: tuple[float, ...] = (70, 30, 30, 20)
    if previous is not None:
        heads = (*heads[:3], f"Since {_assessed_on(previous)}", "Levels")
        widths = (44, 31, 31, 48, 20)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT",) * (len(heads) - 1) + ("CENTER",),
        padding=1.2,
        headings_style=HEADINGS,
        line_height=LINE,
    ) as table:
        table.row(heads)
        for line in plan.lines:
            target = label(line.target) if line.target else "no target"
            cells = [line.domain.name, label(line.current), target]
            if before is not None:
                cells.append(change(line.current, before.get(line.domain.id)))
            table.row((*cells, bar(line.current, line.target)))
    pdf.note("Levels: ■ reached, □ still to go to the target, · beyond it; one square per level.")


def _ranges(pdf: _Document, kb: KnowledgeBase, about: Appraisal) -> None:
    """The latest assessment's range-by-range ratings, by domain."""
    latest = about.history[-1] if about.history else None
    rated = latest.range_levels if latest else {}
    if not rated:
        return
    pdf.heading("Range ratings")
    for domain in kb.competency.domains:
        found = [
            f"{r.name}: {label(rated[(domain.id, r.id)])}"
            for r in domain.ranges
            if (domain.id, r.id) in rated
        ]
        if found:
            pdf.para(f"{domain.name}", "B")
            pdf.para("; ".join(found), indent=5)


def _gaps(pdf: _Document, plan: PlanData) -> None:
    pdf.heading("Largest gaps: what the next level looks like")
    if not plan.gaps:
        pdf.para("You are at or above your targets in every domain you rated.")
    for n, gap in enumerate(plan.gaps, start=1):
        pdf.para(f"{n}. {gap.domain.name} · {gap.range.name} → {gap.level.label}", "B")
        pdf.note(f"Why: {gap.why}.")
        pdf.para(f"“{gap.range.descriptor(gap.level)}”", indent=5)
        pdf.source(gap.range.source)
        if gap.support is not None:  # its description: under interventions, below
            pdf.para(f"Support: {gap.support.title}", indent=5)
            pdf.source(gap.support.source)
        pdf.ln(1)


def _support(pdf: _Document, plan: PlanData) -> None:
    pdf.heading(f"Interventions and training options ({plan.stage_title or 'stage not set'})")
    if not plan.interventions:
        pdf.para("Set your career stage and directions in careerbot (/settings) to see them.")
    for directions, items in groupby(plan.interventions, key=lambda i: i.directions_label):
        pdf.para(f"For {directions}:", "B")
        for item in items:
            for title, info in item.interventions:
                pdf.bullet(f"{title}: {info}")
            if item.outcome_heading:
                points = "; ".join(item.outcome_points)
                pdf.para(
                    f"Learning outcome: {item.outcome_heading}" + (f": {points}" if points else ""),
                    "I",
                    indent=7,
                )
    if plan.interventions:
        pdf.source(plan.interventions[0].source)
    pdf.heading("Next steps (careerbot's suggestions, not framework text)")
    for n, step in enumerate(next_steps(plan), start=1):
        pdf.para(f"{n}. {step}")


def _objectives(pdf: _Document, kb: KnowledgeBase, about: Appraisal) -> None:
    pdf.heading("Objectives")
    if not about.objectives:
        pdf.para("No objectives set yet: /objective in careerbot sets one from a gap of the plan.")
        return
    names = {s.id: s.appraiser_name or "your appraiser" for s in about.shares}
    for n, item in enumerate(about.objectives, start=1):
        pdf.para(f"{n}. {item.what}", "B")
        pdf.para(f"Shown by: {item.evidence}", indent=5)
        status = STATUS_LABELS.get(item.status, item.status)
        line = (
            f"By {item.due_on:%d %b %Y} · {status} · {supports(kb, item.domain_id, item.range_id)}"
        )
        if item.signed_off_at:
            line += f" · signed off {item.signed_off_at:%d %b %Y}"
        pdf.para(line, indent=5)
        for c in (c for c in about.comments if c.objective_id == item.id):
            who = names.get(c.share_id, "your appraiser")
            pdf.para(f"Comment from {who}, {c.created_at:%d %b %Y}: {c.text}", "I", indent=5)


def _sign_off(pdf: _Document, about: Appraisal) -> None:
    """The appraiser's review: who opened the shared plan and signed it off; else room to sign."""
    pdf.heading("Appraiser's review and sign-off")
    reviewed = [s for s in about.shares if s.appraiser_id is not None]
    for share in reviewed:
        line = f"Shared with {share.appraiser_name or 'an appraiser'}"
        line += f", opened {share.opened_at:%d %b %Y}" if share.opened_at else ""
        if share.signed_off_at:
            line += f"; signed off {share.signed_off_at:%d %b %Y} (plan locked)"
        elif share.revoked_at:
            line += "; link revoked before sign-off"
        else:
            line += "; not signed off yet"
        pdf.para(line + ".")
    if not any(s.signed_off_at for s in reviewed):
        pdf.ln(2)
        for field in ("Appraiser", "Signature", "Date"):
            pdf.para(f"{field}: " + "_" * 50)
            pdf.ln(2)


def _entry_details(entry: CpdEntryRecord, about: Appraisal) -> str:
    """An entry's text with its evidence files, objective and reflection."""
    parts = [entry.text]
    files = [f.filename for f in about.files if f.entry_id == entry.id]
    if files:
        parts.append(f"Evidence: {', '.join(files)}")
    objective = next((o for o in about.objectives if o.id == entry.objective_id), None)
    if objective:
        parts.append(f"Objective: {objective.what}")
    for heading, text in (
        ("What", entry.reflect_what),
        ("So what", entry.reflect_so_what),
        ("Now what", entry.reflect_now_what),
    ):
        if text:
            parts.append(f"{heading}: {text}")
    return "\n".join(parts)


def _cpd(
    pdf: _Document, kb: KnowledgeBase, entries: Sequence[CpdEntryRecord], about: Appraisal
) -> None:
    pdf.heading("CPD and evidence log")
    if not entries:
        pdf.para("Nothing logged yet: use /log in careerbot to record learning and evidence.")
        return
    hours = sum(e.hours or 0 for e in entries)
    pdf.para(f"{plural(len(entries), 'entry')}, {hours:g} hour{'' if hours == 1 else 's'} logged.")
    pdf.set_font(FONT, "", 9.5)
    with pdf.table(
        col_widths=(24, 14, 50, 86),
        text_align="LEFT",
        padding=1.2,
        headings_style=HEADINGS,
        line_height=LINE - 0.5,
    ) as table:
        table.row(("Date", "Hours", "Supports", "Activity or evidence"))
        for e in sorted(entries, key=lambda e: (e.day, e.logged_at)):
            hours_cell = f"{e.hours:g}" if e.hours else "–"
            table.row(
                (
                    f"{e.day:%d %b %Y}",
                    hours_cell,
                    supports(kb, e.domain_id, e.range_id),
                    pdf.printable(_entry_details(e, about)),
                )
            )


def render_plan_pdf(
    kb: KnowledgeBase,
    name: str,
    today: date,
    plan: PlanData | None,
    chart: bytes | None,
    entries: Sequence[CpdEntryRecord],
    about: Appraisal | None = None,
) -> bytes:
    """The development plan as PDF bytes; without a plan it says how to get one."""
    about = about or Appraisal()
    pdf = _Document(name)
    pdf.set_title("Development plan")
    pdf.set_author(pdf.owner)
    pdf.set_creator("careerbot")
    pdf.set_lang("en-GB")
    pdf.add_page()
    _cover(pdf, name, today, plan, about)
    if plan is not None:
        _levels(pdf, plan, chart, about)
        _ranges(pdf, kb, about)
        _gaps(pdf, plan)
    _objectives(pdf, kb, about)
    _cpd(pdf, kb, entries, about)
    if plan is not None:
        _support(pdf, plan)
    _sign_off(pdf, about)
    return bytes(pdf.output())
