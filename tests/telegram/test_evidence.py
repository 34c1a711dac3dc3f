"""Evidence files through the PTB Application: a photo or document sent after logging a CPD
entry is kept with it, comes back with /export and is gone after /forget."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.flows.evidence import MAX_FILE_BYTES
from tests.telegram.recording import strip_html
from tests.telegram.updates import document, photo, query_db

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
FILES = "select filename, mime_type, size, content from evidence_files"


def texts(calls) -> str:
    shown = [c for c in calls if c.method.startswith(("send", "edit"))]
    return "\n".join(strip_html(c.text or "") for c in shown)


async def logged(alice) -> None:
    for label in ("OK, let's start", "Practice manager", "Early", "Moving up", "Done"):
        if label == "OK, let's start":
            await alice.command("/start")
        await alice.press(label)
    await alice.command("/log Led the complaints review on Monday, 2h")
    await alice.press("(Patient and Community Services)")


async def test_a_photo_attached_to_an_entry_is_exported_and_forgotten(alice, rec, sqlite_url):
    await logged(alice)
    shown = strip_html(alice.latest()["text"])
    assert "Evidence: send a document or photo" in shown and "up to 5 MB each" in shown
    rec.files["ph1"] = JPEG
    calls = await alice.feed(photo(None, alice.user))
    assert "Attached: photo-" in texts(calls)
    [(name, mime, size, content)] = query_db(sqlite_url, FILES)
    assert name.startswith("photo-") and name.endswith(".jpg")
    assert (mime, size, bytes(content)) == ("image/jpeg", len(JPEG), JPEG)
    [(day,)] = query_db(sqlite_url, "select happened_on from cpd_entries")
    assert datetime.fromisoformat(day).weekday() == 0  # "on Monday": the last Monday
    assert datetime.fromisoformat(day).date() <= datetime.now(UTC).date()

    calls = await alice.command("/export")
    sent = [c.files["document"] for c in calls if c.method == "sendDocument"]
    assert [u.filename for u in sent][:2] == ["careerbot-export.json", "development-plan.pdf"]
    assert any(u.filename == name and u.content == JPEG for u in sent)
    assert b'"filename": "photo-' in sent[0].content  # the JSON names it, the file goes along
    assert "and your 1 evidence file." in texts(calls)

    await alice.command("/forget")
    await alice.press("Yes, delete everything")
    assert query_db(sqlite_url, "select count(*) from evidence_files") == [(0,)]
    assert query_db(sqlite_url, "select count(*) from cpd_entries") == [(0,)]


async def test_a_document_is_checked_before_it_is_fetched(alice, rec, sqlite_url):
    await logged(alice)
    big = document("big1", "minutes.pdf", "application/pdf", MAX_FILE_BYTES + 1, alice.user)
    calls = await alice.feed(big)
    assert "That file is too big" in texts(calls) and "up to 5 MB" in texts(calls)
    assert not [c for c in rec.calls if c.method == "downloadFile"]  # never fetched
    calls = await alice.feed(document("exe1", "tool.exe", "application/x-msdownload", 10))
    assert "can't keep that kind of file" in texts(calls)
    rec.files["pdf1"] = b"%PDF-1.4 minutes"
    calls = await alice.feed(document("pdf1", "minutes.pdf", "application/pdf", 16, alice.user))
    assert "Attached: minutes.pdf" in texts(calls)
    assert [r[0] for r in query_db(sqlite_url, FILES)] == ["minutes.pdf"]


async def test_a_photo_outside_the_log_says_where_it_can_go(alice, rec, sqlite_url):
    rec.files["ph1"] = JPEG
    calls = await alice.feed(photo("a caption is not a question", alice.user))
    assert "log what it shows first (/log), then send the file" in texts(calls)
    assert query_db(sqlite_url, "select count(*) from evidence_files") == [(0,)]
