"""`careerbot ask`: answer one question, or one per line of stdin, as the bot would.

A line of stdin is a question, or a JSON object `{"query": ..., "context": ...}` whose context
(the previous answer's `key` or `id`) makes the query a follow-up ("and strategic?").
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from bot.lookup.answer import Answer
from bot.lookup.engine import LookupEngine

# Characters some line readers treat as line breaks, which json.dumps leaves alone.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(answer: Answer) -> str:
    """One JSON object on one physical line, whatever the query held."""
    text = json.dumps(answer.to_json(), ensure_ascii=False)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def _write(out: IO[bytes], text: str) -> None:
    out.write(text.encode("utf-8", "replace") + b"\n")


def _load_engine() -> LookupEngine:
    from bot.knowledge import load_knowledge
    from bot.settings import get_settings

    return LookupEngine(load_knowledge(get_settings().knowledge_dir))


def _lines(stream: Any) -> Any:
    """stdin split on "\\n" only (not on the other characters str.splitlines() breaks at),
    undecodable bytes replaced, a trailing "\\r" dropped."""
    for raw in stream:
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        yield line


def _query_of(line: str) -> tuple[str, str | None]:
    """The query and context of one input line: a JSON object with "query" (and optionally
    "context"), or else the line itself."""
    if line.lstrip().startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            return line, None
        if isinstance(data, dict) and isinstance(data.get("query"), str):
            context = data.get("context")
            return data["query"], context if isinstance(context, str) else None
    return line, None


def run_ask(query: str | None, as_json: bool) -> int:
    """Print the answer to `query`, or to each line of stdin when `query` is None.

    Returns the exit code: 0, or 2 when the knowledge base cannot be loaded.
    """
    from bot.knowledge import KnowledgeError

    try:
        engine = _load_engine()
    except KnowledgeError as exc:
        print(f"Knowledge base is invalid: {exc}", file=sys.stderr)
        return 2
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None

    def emit(text: str) -> None:
        if out is not None:
            sys.stdout.flush()
            _write(out, text)
            out.flush()
        else:  # a text-only stream (e.g. captured in tests)
            print(text, flush=True)

    if query is not None:
        answer = engine.ask(query)
        emit(json_line(answer) if as_json else answer.answer)
        return 0
    stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin
    first = True
    for line in _lines(stream):
        answer = engine.ask(*_query_of(line))
        if as_json:
            emit(json_line(answer))
        else:
            emit(answer.answer if first else "\n" + answer.answer)
            first = False
    return 0
