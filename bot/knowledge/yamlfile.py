"""Reading one YAML file into a validated model, with errors that name the file and the item."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

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


def describe_location(data: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into e.g. `domains[4] (Finance).ranges[2] (Insurance)`."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(f".{key}" if parts else str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(key, int) and isinstance(node, dict):
            label = node.get("name") or node.get("title") or node.get("term") or node.get("id")
            if label:
                parts.append(f" ({label})")
    return "".join(parts) or "(top level)"


def validate(path: Path, data: Any, model: type[M]) -> M:
    """Validate parsed YAML against `model`, reporting the first problem by item."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        item = describe_location(data, tuple(first["loc"]))
        raise KnowledgeError(str(path), item, first["msg"]) from exc


def load_model(path: Path, model: type[M]) -> M:
    """Read and validate one knowledge file."""
    return validate(path, read_yaml(path), model)
