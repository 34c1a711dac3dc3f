"""Where the process time of `bench/updates.py` goes: one engine's run under pyinstrument.

    python bench/profile_updates.py                        # SQLite, no charts, 50 users
    python bench/profile_updates.py --engine postgres-no-charts --depth 30

Prints pyinstrument's text tree of the event loop's thread (1 ms sampling), the figure the
closing notes in BENCHMARKS.md quote. Needs the dev extras (pyinstrument).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parent))

from updates import one  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="sqlite-no-charts")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--depth", type=int, default=40, help="hide frames below this share (%%)")
    args = parser.parse_args()
    profiler = Profiler(interval=0.001, async_mode="disabled")
    with profiler:
        result = asyncio.run(one(args.engine, args.users, 0.0))
    print(result)
    print(profiler.output_text(unicode=True, color=False, show_all=False, time="seconds"))


if __name__ == "__main__":
    main()
