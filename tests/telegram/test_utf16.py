"""Lengths as Telegram counts them (UTF-16 code units): emoji count two. Ten /log entries of a
thousand emoji list and export without "Message text is too long"."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from bot.flows.views import MAX_TEXT, utf16_clip, utf16_len
from bot.telegram.handlers import FAILED
from bot.telegram.render import split_text
from tests.telegram.recording import methods, strip_html
from tests.telegram.test_journey import onboard

THUMBS = "👍"  # outside the Basic Multilingual Plane: two UTF-16 units, and not in DejaVu Sans


def test_utf16_lengths_and_cuts_never_split_a_character():
    assert utf16_len(THUMBS * 3) == 6 and utf16_len("abc") == 3
    assert utf16_clip(THUMBS * 10, 7) == THUMBS * 3 + "…"
    parts = split_text(THUMBS * 5000)
    assert [utf16_len(p) for p in parts] == [MAX_TEXT, MAX_TEXT, 10000 - 2 * MAX_TEXT]
    assert "".join(parts) == THUMBS * 5000


async def test_ten_entries_of_a_thousand_emoji_list_and_export(alice, rec):
    await onboard(alice)
    for _ in range(10):
        (proposal,) = await alice.command(f"/log {THUMBS * 1000}")
        await alice.press("No domain", proposal.message_id)
    unbroken = "x" * 990  # one word wider than the page
    (proposal,) = await alice.command(f"/log {unbroken}")
    await alice.press("No domain", proposal.message_id)
    calls = await alice.command("/log")
    assert all(c.ok for c in calls), [c.error for c in calls if not c.ok]
    assert FAILED not in [c.text for c in calls]
    listing = strip_html(calls[0].text)
    assert listing.startswith("Your CPD and evidence log") and listing.count(THUMBS * 100) == 9
    assert all(utf16_len(strip_html(c.text)) <= MAX_TEXT for c in calls)

    calls = await alice.command("/export")
    # the export, then (the first time) the appraisal PDF's question about name and practice
    assert methods(calls)[:3] == ["sendMessage", "sendDocument", "sendDocument"], calls
    reader = PdfReader(BytesIO(calls[2].files["document"].content))
    text = "".join(page.extract_text() for page in reader.pages)
    # each entry shown, visibly, in one short line: not a thousand blank glyphs
    assert " ".join(text.split()).count("[thumbs up sign ×1000]") == 10
    assert unbroken in "".join(text.split())  # wrapped inside its cell, none of it cut off
    assert len(reader.pages) <= 4
