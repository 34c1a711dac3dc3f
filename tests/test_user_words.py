"""Users see the frameworks' words and careerbot's own marked words, never maintainers' notes
about the transcription (which stay in the knowledge files' comments and fields)."""

from __future__ import annotations

import re

import pytest

from bot.conversations import Conversations, UserRef
from bot.flows.answers import render_answer
from tests.flowdriver import LEVELS, Driver
from tests.test_bad_input import PATHS, walk

MAINTAINER_NOTES = re.compile(
    r"\bseeds?\b|seed's|see comment|reconstructed|survives only|transcri|garbled|extraction"
    r"|\b00[01]:|\bline \d+\b|\bTODO\b",
    re.IGNORECASE,
)


def notes_in(text: str) -> list[str]:
    return [m.group(0) for m in MAINTAINER_NOTES.finditer(text)]


def test_the_check_finds_the_notes_it_looks_for():
    assert notes_in("(The seed's summary survives only in part: “operations”)")
    assert notes_in("Table 1 (row reconstructed, see comment).")
    assert notes_in("Source: glossary; used in 001: core area Contract management.")
    assert not notes_in("Source: Career development framework (NHS England, 2024), Table 1.")


def test_no_lookup_answer_shows_a_maintainer_note(lookup):
    found = {}
    for key in lookup.keys:
        text = render_answer(lookup.resolve(key)).plain_text
        if notes := notes_in(text):
            found[key] = (notes, text[:200])
    assert not found, found


@pytest.fixture
def service(sqlite_repo, kb, lookup):
    return Conversations(sqlite_repo, kb, lookup)


async def test_no_view_of_any_step_shows_a_maintainer_note(service, sqlite_repo):
    shown = []
    for n, path in enumerate(PATHS.values()):
        driver = await walk(service, sqlite_repo, UserRef(500 + n, "Sam"), path)
        shown += [v.plain_text for reply in driver.replies for v in reply.views]
    driver = Driver(service)
    await driver.onboard(stage="Late", directions=("Legacy", "Moving across"))
    await driver.assess(LEVELS)
    for command in ("/plan", "/progress", "/help", "/privacy", "/settings", "/remind"):
        await driver.command(command)
    await driver.tap("What do these mean", reply=await driver.command("/assess"))
    shown += [v.plain_text for reply in driver.replies for v in reply.views]
    found = {notes: text[:200] for text in shown if (notes := tuple(notes_in(text)))}
    assert not found, found
