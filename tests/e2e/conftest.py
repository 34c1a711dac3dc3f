"""Fixtures for end-to-end tests: the emulator and the real bot process beside it."""

from __future__ import annotations

import pytest

from tests.e2e.botprocess import BotProcess, require_emulator
from tests.e2e.emulator import Emulator


@pytest.fixture
def emulator():
    require_emulator()
    with Emulator() as emu:
        yield emu


@pytest.fixture
def bot(emulator, tmp_path):
    process = BotProcess(emulator, tmp_path)
    yield process
    process.stop()
