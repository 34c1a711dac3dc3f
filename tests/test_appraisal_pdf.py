"""The development plan PDF: pages, the chart, and text that pypdf can read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

from pypdf import PdfReader

from bot.appraisal.chart import render_radar
from bot.appraisal.pdf import render_plan_pdf
from bot.storage.records import CpdEntryRecord
from tests.test_appraisal_chart import realistic_plan, skipped_plan

TODAY = date(2025, 3, 21)


def entry(n: int, text: str, hours: float | None, domain: str | None, rng: str | None = None):
    at = datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(days=n)
    return CpdEntryRecord(n, 42, at, text, hours, domain, rng)


ENTRIES = [
    entry(
        1,
        "Led the complaints review with reception, 2h",
        2.0,
        "patient-and-community-services",
        "complaints",
    ),
    entry(2, "Payroll course (online), 90 min", 1.5, "finance"),
    entry(3, "Read the ‘infection control’ policy → updated it", None, None),
]


def read(pdf: bytes) -> tuple[PdfReader, str]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def squashed(text: str) -> str:
    """Text without line breaks and repeated spaces (table cells and paragraphs wrap)."""
    return " ".join(text.split())


def test_realistic_plan_has_profile_gaps_support_and_the_log(kb):
    plan, previous = realistic_plan(kb)
    pdf = render_plan_pdf(kb, "Sam Taylor", TODAY, plan, render_radar(plan, previous), ENTRIES)
    reader, text = read(pdf)
    flat = squashed(text)
    assert 2 <= len(reader.pages) <= 5
    assert reader.metadata.title == "Development plan"
    assert len(reader.pages[0].images) == 1  # the chart
    assert "Development plan" in text and "Sam Taylor" in text
    assert "prepared for appraisal on 21 March 2025" in flat
    assert "Career stage: Early career" in flat
    for domain in kb.competency.domains:
        assert domain.name in flat
    for gap in plan.gaps:
        assert gap.range.name in flat
        assert squashed(gap.range.descriptor(gap.level))[:60] in flat
    assert f"Source: {plan.gaps[0].range.source}"[:50] in flat
    assert "Level 6 Business Administration Apprenticeship" in flat  # early career, moving up
    assert "Table 5" in flat
    assert "Next steps" in flat
    assert "3 entries, 3.5 hours logged" in flat
    assert "Led the complaints review with reception" in flat
    assert "Complaints (Patient and" in flat
    assert "→ updated it" in flat and "‘infection control’" in flat  # Unicode survives
    assert "page 1/" in flat


def test_no_assessment_still_gives_a_pdf_that_says_so(kb):
    reader, text = read(render_plan_pdf(kb, "Sam", TODAY, None, None, ENTRIES[:1]))
    assert len(reader.pages) == 1
    assert "No completed self-assessment yet" in squashed(text)
    assert "Led the complaints review" in text


def test_empty_profile_without_log_entries(kb):
    _, text = read(render_plan_pdf(kb, "Sam", TODAY, None, None, []))
    assert "Nothing logged yet" in text


def test_every_domain_skipped(kb):
    plan = skipped_plan(kb, targets=False)
    reader, text = read(render_plan_pdf(kb, "Sam", TODAY, plan, render_radar(plan, None), []))
    assert squashed(text).count("Skipped") == 9
    assert "no target" in text


def test_a_long_log_flows_over_pages(kb):
    plan, _ = realistic_plan(kb)
    many = [entry(n, f"Entry {n}: " + "evidence " * 40, 1.0, "finance") for n in range(120)]
    reader, text = read(render_plan_pdf(kb, "Sam", TODAY, plan, None, many))
    assert len(reader.pages) > 5
    assert "120 entries, 120 hours logged" in squashed(text)
    assert "Entry 119:" in text
