"""The CPD and evidence log and the appraisal pack, end to end through the conversation service."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from io import BytesIO

import pytest
from pypdf import PdfReader

from bot.appraisal.chart import MAX_CAPTION
from bot.conversations import Conversations, UserRef
from bot.flows.cpd import parse_hours
from tests.flowdriver import Driver

LEVELS = ["Administrative", "Managerial", "Not yet", "Administrative", "Managerial"]
LEVELS += ["Strategic", "Administrative", "Not yet", "Administrative"]
COMPLAINTS = "Reviewed the complaints procedure with the partners, 2h"


@pytest.fixture
def service(sqlite_repo, kb, lookup):
    return Conversations(sqlite_repo, kb, lookup)


@pytest.fixture
def driver(service):
    return Driver(service)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Led the complaints review, 2h", 2.0),
        ("IG training 1.5 hours", 1.5),
        ("webinar on QOF, 90 min", 1.5),
        ("read the policy (30 mins)", 0.5),
        ("Budget meeting 1,5 h", 1.5),
        ("PCN away day: 6 hrs", 6.0),
        ("Level 6 apprenticeship module", None),
        ("Three months of rota work", None),
        ("shadowed the PCN manager for 3 months", None),
        ("0h", None),
    ],
)
def test_hours_are_read_from_the_text(text, hours):
    assert parse_hours(text) == hours


async def test_log_with_text_suggests_a_range_and_one_tap_stores_it(driver, sqlite_repo):
    await driver.onboard()
    await driver.command(f"/log {COMPLAINTS}")
    labels = driver.labels(driver.replies[-1].views[-1])
    assert labels[0] == "✓ Complaints (Patient and Community Services)"
    assert labels[-2:] == ["No domain", "Cancel"]
    assert "Hours: 2" in driver.text
    await driver.tap("✓ Complaints")
    assert "Logged" in driver.text
    [entry] = await sqlite_repo.cpd_entries(driver.user.id)
    assert (entry.text, entry.hours, entry.domain_id, entry.range_id) == (
        COMPLAINTS,
        2.0,
        "patient-and-community-services",
        "complaints",
    )


async def test_log_alone_lists_entries_and_takes_the_next_message(driver, sqlite_repo):
    await driver.onboard()
    await driver.command(f"/log {COMPLAINTS}")
    await driver.tap("✓ Complaints")
    [logged] = await sqlite_repo.cpd_entries(driver.user.id)
    listing, prompt = (await driver.command("/log")).views
    assert listing.title == "Your CPD and evidence log"
    assert (
        f"{logged.logged_at:%d %b %Y} · 2 h · Complaints (Patient and Community Services)\n"
        f"{COMPLAINTS}" in listing.body
    )
    assert "What did you do or learn" in prompt.body
    await driver.type("Read the new payroll guidance, 30 min")
    await driver.tap("No domain")
    newest = (await sqlite_repo.cpd_entries(driver.user.id))[0]
    assert (newest.hours, newest.domain_id, newest.range_id) == (0.5, None, None)


async def test_close_candidates_are_offered_without_a_tick(driver, sqlite_repo):
    await driver.onboard()
    # "resource negotiation" is a range of both Finance and Population Care: no confident answer
    await driver.command("/log Led the resource negotiation for our new clinic, 3h")
    labels = driver.labels(driver.replies[-1].views[-1])
    assert "Resource negotiation (Finance)" in labels[:-2]  # the lookup's order may vary
    assert "Resource negotiation (Population Care)" in labels[:-2]
    assert not any(label.startswith("✓") for label in labels)
    assert labels[-2:] == ["No domain", "Cancel"]
    assert "My best guesses" in driver.text
    await driver.tap("Resource negotiation (Population Care)")
    [entry] = await sqlite_repo.cpd_entries(driver.user.id)
    assert (entry.domain_id, entry.range_id, entry.hours) == (
        "population-care",
        "resource-negotiation-population-care",
        3.0,
    )


async def test_text_the_lookup_cannot_place_offers_every_domain(driver, sqlite_repo, kb):
    await driver.onboard()
    await driver.command("/log Completed my ILM level 5 module on leadership")
    labels = driver.labels(driver.replies[-1].views[-1])
    assert labels[:9] == [d.name for d in kb.competency.domains]  # not the lookup's examples
    assert "Hours: none given" in driver.text
    await driver.tap("Finance")
    [entry] = await sqlite_repo.cpd_entries(driver.user.id)
    assert (entry.domain_id, entry.range_id, entry.hours) == ("finance", None, None)


async def test_cancel_logs_nothing_and_log_needs_a_profile(driver, sqlite_repo):
    await driver.command("/log something I did")
    assert "set up your profile" in driver.text
    await driver.onboard()
    await driver.command(f"/log {COMPLAINTS}")
    await driver.tap("Cancel")
    assert "Nothing was logged" in driver.text
    assert await sqlite_repo.cpd_entries(driver.user.id) == []


async def test_export_has_the_entry_in_json_and_pdf_and_forget_deletes_it(driver, sqlite_repo):
    await driver.onboard()
    await driver.assess(LEVELS)
    await driver.command(f"/log {COMPLAINTS}")
    await driver.tap("✓ Complaints")
    document, plan = (await driver.command("/export")).views[0].attachments
    rows = json.loads(document.content)["tables"]["cpd_entries"]
    assert [(r["text"], r["hours"], r["range_id"]) for r in rows] == [
        (COMPLAINTS, 2.0, "complaints")
    ]
    assert plan.filename.endswith(".pdf") and plan.kind == "document"
    text = pdf_text(plan.content)
    assert "Development plan" in text and "Sam · prepared for appraisal" in text
    assert "Reviewed the complaints procedure" in text and "Complaints (Patient and" in text
    await driver.command("/forget")
    await driver.tap("Yes, delete everything")
    assert "cpd entries: 1" in driver.text
    assert await sqlite_repo.cpd_entries(driver.user.id) == []


async def test_export_before_any_assessment_still_has_a_pdf(driver):
    await driver.onboard()
    _, plan = (await driver.command("/export")).views[0].attachments
    assert "No completed self-assessment yet" in pdf_text(plan.content)


async def test_plan_and_a_finished_assessment_carry_the_profile_chart(driver):
    await driver.onboard()
    reply = await driver.command("/plan")
    assert all(not view.attachments for view in reply.views)  # no assessment: no chart
    await driver.assess(LEVELS)
    [photo] = driver.replies[-1].views[0].attachments  # the "Done" view
    assert photo.kind == "photo" and photo.content.startswith(b"\x89PNG")
    reply = await driver.command("/plan")
    [photo] = reply.views[0].attachments
    assert photo.kind == "photo" and photo.filename.endswith(".png")
    assert len(photo.caption) <= MAX_CAPTION and "Now vs target" in photo.caption
    assert "Finance: Managerial → Managerial" in photo.caption
    await driver.tap("Log CPD / evidence")
    assert "What did you do or learn" in driver.text


async def test_drawing_the_chart_does_not_hold_up_other_users(service, monkeypatch):
    a, b = Driver(service, UserRef(1, "A")), Driver(service, UserRef(2, "B"))
    await a.onboard()
    drawing = threading.Event()
    drawn = []

    def slow_chart(plan, previous):
        drawn.append(plan)
        drawing.set()
        time.sleep(0.8)
        return b"\x89PNG slow"

    monkeypatch.setattr("bot.appraisal.chart.render_radar", slow_chart)
    await a.command("/assess")
    for level in LEVELS:
        await a.tap(level)
    await a.tap("No thanks")
    done = asyncio.create_task(a.tap("Accept these targets"))
    assert await asyncio.to_thread(drawing.wait, 5)
    await b.command("/help")
    assert not done.done()  # B was answered while A's chart was still being drawn
    assert (await done).views[0].attachments[0].content == b"\x89PNG slow"
    # Drawn once per assessment: /plan sends the stored picture.
    assert (await a.command("/plan")).views[0].attachments[0].content == b"\x89PNG slow"
    assert len(drawn) == 1


async def test_the_chart_is_drawn_again_once_a_target_changed(service, monkeypatch):
    a = Driver(service, UserRef(1, "A"))
    await a.onboard()
    await a.assess(LEVELS)
    first = (await a.command("/plan")).views[0].attachments[0].content
    await a.command("/settings")
    await a.tap("Targets")
    await a.tap("Change a target")
    await a.tap("Finance")
    await a.tap("Strategic")
    await a.tap("Accept these targets")
    again = (await a.command("/plan")).views[0].attachments[0]
    assert again.content != first and again.content.startswith(b"\x89PNG")
    assert "Finance: Managerial → Strategic" in again.caption
