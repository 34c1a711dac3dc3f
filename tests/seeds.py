"""Locating the seed documents the knowledge base is transcribed from."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SEEDS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
COMPETENCY_SEED = "000_5c462ca0596f8d86.txt"
CAREER_SEED = "001_026db9d4d2bd810c.txt"


def seed_text(name: str) -> str:
    """The seed's text; skips outside CI when `../shared/seeds` is not beside the checkout."""
    path = SEEDS_DIR / name
    if not path.exists():
        reason = f"seed {path} not found: clone with ../shared beside the project"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


def normalise(text: str) -> str:
    """Collapse runs of whitespace, as the transcription does."""
    return re.sub(r"\s+", " ", text).strip()
