"""The framework knowledge base: YAML in `knowledge/`, loaded once into immutable objects."""

from bot.knowledge.base import KnowledgeBase, load_knowledge
from bot.knowledge.competency import Level
from bot.knowledge.errors import KnowledgeError

__all__ = ["KnowledgeBase", "KnowledgeError", "Level", "load_knowledge"]
