"""The appraisal PDF of a whole year's journey, read back with pypdf: who, change since last
time, range ratings, objectives, CPD with evidence and reflection, comments and sign-off."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.conversations import Conversations, UserRef
from bot.flows.events import Upload
from tests.conftest import FakeClock
from tests.flowdriver import LEVELS, Driver
from tests.test_appraisal_pdf import read, squashed

DOCS = Path(__file__).resolve().parent.parent / "docs"
SPRING = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
AUTUMN = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SPRING)


@pytest.fixture
def service(clocked_service):
    return clocked_service


async def journey(service: Conversations, clock: FakeClock) -> bytes:
    """Two assessments, an objective, a CPD entry with a photo and a reflection, a signed-off
    share; returns the PDF /export sends once the print details are given."""
    sam = Driver(service, UserRef(42, "sam_t"))
    await sam.onboard(stage="Established", directions=("Building up",))
    await sam.assess(LEVELS)
    clock.now = AUTUMN
    await sam.command("/assess")
    changed = ["Managerial", *LEVELS[1:4], "Strategic", *LEVELS[5:]]
    for level in changed:
        await sam.tap(level)
    await sam.tap("Population Care")
    for level in ["Managerial", "Administrative", "skip", "Strategic", "Not yet"]:
        await sam.tap("Skip" if level == "skip" else level)
    await sam.tap("Done: set my targets")
    await sam.tap("Accept these targets")
    await sam.set_objective("1.", "Run the quarterly complaints review", "the minutes", "6 months")
    await sam.command("/log Led the complaints review on Friday, 2h")
    await sam.tap("No domain")
    await sam.send(Upload("review-minutes.jpg", "image/jpeg", 4, b"\xff\xd8\xff\xe0"))
    await sam.tap("Reflect")
    await sam.type("Chaired the review with the reception team")
    await sam.type("Fewer repeat complaints")
    await sam.type("Share the themes with the partners")
    await sam.tap("Done")
    await sam.command("/share")
    await sam.tap("Create a link")
    link = sam.text.split("/start ")[1].split()[0]
    appraiser = Driver(service, UserRef(77, "Dr Patel"))
    await appraiser.command(f"/start {link}")
    await appraiser.tap("Comment on 1")
    await appraiser.type("A good, measurable objective.")
    await appraiser.tap("Sign off the plan")
    await appraiser.tap("Yes, sign it off")

    await sam.command("/export")
    await sam.type("Sam Taylor")
    reply = await sam.type("Oak Tree PCN")
    (pdf,) = [a for v in reply.views for a in v.attachments if a.filename.endswith(".pdf")]
    return pdf.content


async def test_the_pdf_has_everything_an_appraiser_needs(service, clock, kb):
    pdf = await journey(service, clock)
    reader, text = read(pdf)
    flat = squashed(text)
    assert "Sam Taylor · prepared for appraisal on 07 September 2026" in flat
    assert "Practice manager · Oak Tree PCN" in flat
    assert "“Previous” on the chart: the assessment of 02 Mar 2026" in flat
    assert (
        "Since 02 Mar 2026" in flat and "Finance Strategic Strategic ▲ up from Managerial" in flat
    )
    assert "Range ratings" in flat and "Health needs assessment: Managerial" in flat
    assert "1. Run the quarterly complaints review" in flat
    assert "Shown by: the minutes" in flat and "By 07 Mar 2027 · open" in flat
    assert "Comment from Dr Patel" in flat and "A good, measurable objective." in flat
    assert "signed off 07 Sep 2026 (plan locked)" in flat
    assert "1 entry, 2 hours logged." in flat and "04 Sep 2026" in flat  # "on Friday"
    assert "Evidence: review-minutes.jpg" in flat
    assert "So what: Fewer repeat complaints" in flat
    assert "None" not in text and "1 entries" not in text
    pages = len(reader.pages)
    assert all(f"page {n}/{pages}" in reader.pages[n - 1].extract_text() for n in (1, pages))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
async def test_a_rendered_page_shows_the_plan(service, clock, tmp_path):
    """Renders page 1 to PNG; with CAREERBOT_DOCS=1 it replaces docs/plan-pdf-page1.png."""
    pdf = await journey(service, clock)
    (tmp_path / "plan.pdf").write_bytes(pdf)
    await asyncio.to_thread(
        subprocess.run,
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "plan.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    if os.environ.get("CAREERBOT_DOCS") == "1":
        (DOCS / "plan-pdf-page1.png").write_bytes(png)
