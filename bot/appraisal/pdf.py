"""The development plan as a PDF for appraisal: profile, levels, gaps, support and the CPD log.

Built with fpdf2 in DejaVu Sans (bundled with matplotlib), so "→", "■" and curly quotes render.
Framework text is quoted with its source; careerbot's own suggestions are labelled as such.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from bot.flows.levels import bar, label
from bot.flows.plan import PlanData, next_steps
from bot.knowledge import KnowledgeBase
from bot.storage.records import CpdEntryRecord

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
CHART_MM = 120
LINE = 5.5
GREY = (90, 90, 90)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 235, 245))
NO_ASSESSMENT = (
    "No completed self-assessment yet. Complete /assess in careerbot (nine questions, one tap "
    "each), then /export again to see your profile, gaps and the framework's interventions."
)


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


def _cover(pdf: _Document, name: str, today: date, plan: PlanData | None) -> None:
    pdf.set_font(FONT, "B", 22)
    pdf.cell(0, 12, "Development plan", new_x="LMARGIN", new_y="NEXT")
    pdf.para(f"{pdf.owner} · prepared for appraisal on {today:%d %B %Y}", size=12)
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


def _levels(pdf: _Document, plan: PlanData, chart: bytes | None) -> None:
    pdf.heading("Profile: now and target")
    if chart:
        x = (pdf.w - CHART_MM) / 2
        pdf.image(BytesIO(chart), x=x, w=CHART_MM, alt_text=caption(plan))
    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=(70, 30, 30, 20),
        text_align=("LEFT", "LEFT", "LEFT", "CENTER"),
        padding=1.2,
        headings_style=HEADINGS,
        line_height=LINE,
    ) as table:
        table.row(("Domain", "Now", "Target", "Levels"))
        for line in plan.lines:
            target = label(line.target) if line.target else "no target"
            table.row(
                (line.domain.name, label(line.current), target, bar(line.current, line.target))
            )
    pdf.note("Levels: ■ reached, □ still to go to the target, · beyond it; one square per level.")


def _gaps(pdf: _Document, plan: PlanData) -> None:
    pdf.heading("Largest gaps: what the next level looks like")
    if not plan.gaps:
        pdf.para("You are at or above your targets in every domain you rated.")
    for n, gap in enumerate(plan.gaps, start=1):
        pdf.para(f"{n}. {gap.domain.name} · {gap.range.name} → {gap.level.label}", "B")
        pdf.para(f"“{gap.range.descriptor(gap.level)}”", indent=5)
        pdf.source(gap.range.source)
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


def _cpd(pdf: _Document, kb: KnowledgeBase, entries: Sequence[CpdEntryRecord]) -> None:
    pdf.heading("CPD and evidence log")
    if not entries:
        pdf.para("Nothing logged yet: use /log in careerbot to record learning and evidence.")
        return
    hours = sum(e.hours or 0 for e in entries)
    pdf.para(f"{len(entries)} entries, {hours:g} hours logged.")
    pdf.set_font(FONT, "", 9.5)
    with pdf.table(
        col_widths=(24, 14, 50, 86),
        text_align="LEFT",
        padding=1.2,
        headings_style=HEADINGS,
        line_height=LINE - 0.5,
    ) as table:
        table.row(("Date", "Hours", "Supports", "Activity or evidence"))
        for e in sorted(entries, key=lambda e: e.logged_at):
            hours_cell = f"{e.hours:g}" if e.hours else ""
            table.row(
                (
                    f"{e.logged_at:%d %b %Y}",
                    hours_cell,
                    supports(kb, e.domain_id, e.range_id),
                    pdf.printable(e.text),
                )
            )


def render_plan_pdf(
    kb: KnowledgeBase,
    name: str,
    today: date,
    plan: PlanData | None,
    chart: bytes | None,
    entries: Sequence[CpdEntryRecord],
) -> bytes:
    """The development plan as PDF bytes; without a plan it says how to get one."""
    pdf = _Document(name)
    pdf.set_title("Development plan")
    pdf.set_author(pdf.owner)
    pdf.set_creator("careerbot")
    pdf.set_lang("en-GB")
    pdf.add_page()
    _cover(pdf, name, today, plan)
    if plan is not None:
        _levels(pdf, plan, chart)
        _gaps(pdf, plan)
        _support(pdf, plan)
    _cpd(pdf, kb, entries)
    return bytes(pdf.output())
