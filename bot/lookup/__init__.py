"""Free-text lookup over the frameworks: `LookupEngine(kb).ask("strategic IC")` -> `Answer`.

Used by chat, inline mode and groups alike. Build the engine once at start-up; `ask` and
`resolve` are then cheap (well under a millisecond).
"""

from bot.lookup.answer import Answer, Candidate
from bot.lookup.engine import LookupEngine

__all__ = ["Answer", "Candidate", "LookupEngine"]
