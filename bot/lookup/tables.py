"""The seed's numbered tables ("Table 4", "whats in table 7"): people reading the 2024
framework in a meeting cite them by number. The numbers are read from the tables' titles as
the knowledge base holds them, so nothing here restates framework content."""

from __future__ import annotations

import re
from typing import Any

_NUMBER = re.compile(r"\bTable (\d+)\b")
TABLE_ASKED = re.compile(r"\btable (\d+)\b")


def _number(title: str | None) -> int | None:
    match = _NUMBER.search(title or "")
    return int(match.group(1)) if match else None


def numbered_tables(kb: Any) -> dict[int, str]:
    """Table number -> the ident of the item that shows it."""
    career = getattr(kb, "career", None)
    if career is None:
        return {}
    found: list[tuple[int | None, str]] = []
    if career.roles:  # Table 1: the roles, answered by their overview
        found.append((_number(career.roles[0].source), "overview:roles"))
    found += [(_number(s.title), f"section:{s.id}") for s in career.sections]
    for stage in career.stages:
        found += [
            (_number(stage.ksa.source), f"ksa:{stage.id}"),
            (_number(stage.training_table), f"training:{stage.id}"),
            (_number(stage.development_table), f"development:{stage.id}"),
        ]
    return {number: ident for number, ident in found if number is not None}
