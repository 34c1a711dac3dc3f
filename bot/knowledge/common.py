"""What the knowledge files share: frozen models, id and text types, small checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from bot.knowledge.errors import KnowledgeError

KebabId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(min_length=1)]
Aliases = tuple[Text, ...]

Authorship = Literal["seed", "careerbot"]


class Frozen(BaseModel):
    """Immutable, and strict about unknown keys (a typo in the YAML is an error)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def norm(text: str) -> str:
    """Case- and whitespace-insensitive form, for comparing names."""
    return " ".join(text.casefold().split())


def item_at(collection: str, index: int, label: str | None = None) -> str:
    """How errors name an item: `directions[3] (Moving up)`."""
    return f"{collection}[{index}]" + (f" ({label})" if label else "")


def check_count(path: str, items: tuple[Any, ...], key: str, expected: int, what: str) -> None:
    if len(items) != expected:
        raise KnowledgeError(path, key, f"expected {expected} {what}, found {len(items)}")


def check_unique(path: str, collection: str, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise KnowledgeError(path, item_at(collection, index, value), f"duplicate {what}")
        seen.add(value)
