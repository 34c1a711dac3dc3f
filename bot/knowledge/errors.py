"""The one error the knowledge loader raises, naming the file and the item at fault."""

from __future__ import annotations


class KnowledgeError(Exception):
    """A knowledge file is malformed or incomplete."""

    def __init__(self, file: str, item: str, problem: str) -> None:
        self.file = file
        self.item = item
        self.problem = problem
        super().__init__(f"{file}: {item}: {problem}")
