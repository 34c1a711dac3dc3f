"""DRAWING_PROCESSES: the appraisal PDF drawn by another process, as it is drawn in threads."""

from __future__ import annotations

import io
import multiprocessing

from pypdf import PdfReader

from bot.telegram.app import build_application
from tests.telegram.recording import RecordingRequest, methods
from tests.telegram.test_journey import onboard
from tests.telegram.updates import TgUser, bot_settings, started


async def test_export_with_a_drawing_process_sends_the_pdf(sqlite_url):
    rec = RecordingRequest()
    settings = bot_settings(sqlite_url, drawing_processes=1)
    async with started(build_application(settings, request=rec)) as app:
        alice = TgUser(app, rec, user_id=1001, first_name="Alice")
        m = await onboard(alice)
        await alice.press("Start self-assessment")
        await alice.press("Strategic", m)
        before = set(multiprocessing.active_children())
        calls = await alice.command("/export")
        drawers = set(multiprocessing.active_children()) - before
        assert methods(calls) == ["sendMessage", "sendDocument", "sendDocument", "sendMessage"]
        pdf = calls[2].files["document"]
        assert pdf.filename == "development-plan.pdf" and pdf.content.startswith(b"%PDF")
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert text.startswith("Development plan\nAlice")
        assert len(drawers) == 1  # the drawing process, started for the first drawing
    assert not any(p.is_alive() for p in drawers)  # and stopped with the bot
