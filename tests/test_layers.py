"""The house rules of the code base: which package may import which."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bot

BOT = Path(bot.__file__).parent


def _unit(module: str) -> str:
    """The package (or top-level module) a module belongs to: `bot.flows.plan` -> `bot.flows`."""
    return ".".join(module.split(".")[:2])


def _imports() -> dict[str, set[str]]:
    """Which units each unit of `bot` imports (at any depth, deferred imports included)."""
    graph: dict[str, set[str]] = {}
    for path in BOT.rglob("*.py"):
        module = ".".join(("bot", *path.relative_to(BOT).with_suffix("").parts))
        unit = _unit(module.removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("bot.") and _unit(name) != unit:
                    graph.setdefault(unit, set()).add(_unit(name))
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        unit = todo.pop()
        if unit == goal:
            return True
        if unit not in seen:
            seen.add(unit)
            todo.extend(graph.get(unit, ()))
    return False


def test_no_import_runs_back_up_between_packages() -> None:
    graph = _imports()
    cycles = sorted(
        f"{unit} -> {other}"
        for unit, others in graph.items()
        for other in others
        if _reaches(graph, other, unit)
    )
    assert cycles == []


def test_flows_know_nothing_of_telegram_storage_engines_or_the_orchestrator() -> None:
    flows = _imports()["bot.flows"]
    assert "bot.telegram" not in flows
    assert "bot.appraisal" not in flows
    assert "bot.conversations" not in flows


def _loaded_after(imports: str, packages: set[str]) -> set[str]:
    """Which of `packages` a fresh interpreter has loaded once it has run `imports`."""
    code = f"import sys\n{imports}\nprint(sorted({{n.split('.')[0] for n in sys.modules}}))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(ast.literal_eval(out.strip())) & packages


def test_importing_the_flows_loads_neither_sqlalchemy_nor_telegram() -> None:
    every_flow = (
        "import pkgutil, importlib, bot.flows\n"
        "for m in pkgutil.iter_modules(bot.flows.__path__):\n"
        "    importlib.import_module('bot.flows.' + m.name)"
    )
    assert _loaded_after(every_flow, {"sqlalchemy", "telegram"}) == set()


def test_the_bot_starts_without_the_drawing_libraries() -> None:
    """matplotlib and fpdf (about 48 MB) are loaded with the first chart or PDF, not at start."""
    started = "import bot.telegram.app, bot.runtime"
    assert _loaded_after(started, {"matplotlib", "fpdf", "PIL"}) == set()
