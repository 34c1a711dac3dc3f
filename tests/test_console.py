"""`careerbot console` as a newcomer runs it: a scripted session from /start to the plan."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.seeds import COMPETENCY_SEED, normalise, seed_text

CAREERBOT = Path(sys.executable).parent / "careerbot"

SCRIPT = [
    "/start",
    "1",  # OK, let's start
    "Practice manager",  # a button's text works as well as its number
    "2",  # Established career
    "4",  # Moving up
    "Done",
    "1",  # Start self-assessment
    *["2", "3", "2", "2", "3", "3", "2", "1", "2"],  # the nine domains
    "No thanks: set my targets",
    "1",  # Accept these targets
    "1",  # See my plan
    "strategic IC",
]


def run_console(tmp_path: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "SQLITE_PATH": str(tmp_path / "bot.sqlite3")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(CAREERBOT), "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


def test_scripted_console_session_reaches_a_plan_that_quotes_the_framework(tmp_path):
    result = run_console(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr  # end of input ends the session cleanly
    out = result.stdout
    assert "== Your development plan ==" in out
    plan = out.split("== Your development plan ==")[1].split("\n> ")[0]
    quoted = [line.strip('"') for line in plan.splitlines() if line.startswith('"')]
    assert quoted, plan
    seed = normalise(seed_text(COMPETENCY_SEED))
    for descriptor in quoted:  # every descriptor the plan quotes is the seed's, word for word
        assert normalise(descriptor) in seed, descriptor
    assert "■□· Practice Operation and Development: Administrative → Managerial" in plan
    chart = tmp_path / "exports" / "profile-chart.png"  # beside the SQLite file
    assert f"Saved profile-chart.png to {chart}" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "Infection control – Strategic role" in out  # a question typed after the plan


def test_console_keeps_progress_across_runs(tmp_path):
    run_console(tmp_path, SCRIPT[:9])  # stops after rating two domains
    again = run_console(tmp_path, ["/start", "Continue"])
    assert "Welcome back" in again.stdout
    assert "Self-assessment · 3/9" in again.stdout
