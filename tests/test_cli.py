"""The `careerbot` command line: its subcommands and `knowledge check`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

CAREERBOT = str(Path(sys.executable).parent / "careerbot")
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


def careerbot(*args: str, env_extra: dict[str, str] | None = None, cwd: Path | None = None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [CAREERBOT, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def test_help_lists_every_subcommand_with_a_description():
    out = careerbot("--help").stdout
    for name in ("run", "console", "ask", "knowledge", "db"):
        assert f"{name} " in out
    assert "check" in careerbot("knowledge", "--help").stdout
    assert "upgrade" in careerbot("db", "--help").stdout


def test_help_shows_flags_without_type_names_and_descriptions_in_full():
    pages = [careerbot(*command, "--help").stdout for command in HELP_PAGES]
    for page in pages:
        assert "--help  Show this message and exit." in page
        assert "<bool>" not in page and "..." not in page.split("Commands:")[-1], page
    (ask,) = [p for c, p in zip(HELP_PAGES, pages, strict=True) if c == ("ask",)]
    assert "  --json  Print JSON (JSON Lines from stdin)." in ask


HELP_PAGES = [(), ("ask",), ("console",), ("run",), ("knowledge",), ("knowledge", "check")]
HELP_PAGES += [("db",), ("db", "upgrade")]


def test_knowledge_check_prints_the_counts():
    result = careerbot("knowledge", "check")
    assert result.returncode == 0, result.stderr
    for line in (
        "9 domains",
        "84 ranges",
        "252 descriptors",
        "7 career directions",
        "12 core areas",
        "3 career stages",
        "8 career drivers",
        "3 roles",
    ):
        assert line in " ".join(result.stdout.split()), line


def test_knowledge_check_names_the_file_and_item_when_broken(tmp_path):
    broken = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, broken)
    data = yaml.safe_load((broken / "career.yaml").read_text())
    del data["directions"][3]["outcome"]
    (broken / "career.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = careerbot("knowledge", "check", env_extra={"KNOWLEDGE_DIR": str(broken)}, cwd=tmp_path)
    assert result.returncode != 0
    assert f"{broken / 'career.yaml'}" in result.stderr
    assert "directions[3] (Moving up)" in result.stderr and "outcome" in result.stderr
