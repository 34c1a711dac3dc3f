"""Reading one YAML file into a validated model, with errors that name the file and the item."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.knowledge.errors import KnowledgeError

M = TypeVar("M", bound=BaseModel)
# libyaml's safe loader when PyYAML was built with it (about 3x faster at start-up).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a missing or unparsable file becomes a KnowledgeError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(str(path), "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise KnowledgeError(str(path), where, f"is not valid YAML: {exc}") from exc


_LABEL_KEYS = ("title", "name", "term", "label", "core_area", "id")


def _label(node: Any) -> str | None:
    if isinstance(node, dict):
        for key in _LABEL_KEYS:
            value = node.get(key)
            if isinstance(value, str | int) and str(value).strip():
                return str(value)
    return None


def item_path(data: Any, loc: Iterable[int | str]) -> str:
    """`("stages", 1, "ksa")` -> `stages[1] (Established career).ksa`."""
    parts: list[str] = []
    node = data
    for key in loc:
        parts.append(f"[{key}]" if isinstance(key, int) else (f".{key}" if parts else str(key)))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(key, int) and (label := _label(node)):
            parts.append(f" ({label})")
    return "".join(parts) or "(top level)"


def _problem(error: ErrorDetails, field: str | None) -> str:
    kind = error["type"]
    message = re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    if field is None:
        return message
    if kind == "missing":
        return f"field '{field}' is missing"
    if kind == "extra_forbidden":
        return f"unknown field '{field}'"
    return f"field '{field}': {message}"


def validate(path: str, data: Any, model: type[M]) -> M:
    """Validate parsed YAML, turning pydantic's first error into a KnowledgeError."""
    if not isinstance(data, dict):
        raise KnowledgeError(path, "(top level)", "expected a mapping of keys to values")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        field = loc[-1] if loc and isinstance(loc[-1], str) else None
        item_loc = loc[:-1] if field is not None else loc
        problem = _problem(first, field)
        if len(errors) > 1:
            problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise KnowledgeError(path, item_path(data, item_loc), problem) from exc


def load_model(path: Path, model: type[M]) -> M:
    """Read and validate one knowledge file."""
    return validate(str(path), read_yaml(path), model)
