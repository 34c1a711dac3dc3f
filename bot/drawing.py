"""Charts and PDFs drawn in processes of their own, so a burst of exports never delays a tap.

With `DRAWING_PROCESSES=0` (the default) they are drawn by a few threads inside the process
that answers updates: enough for one process, but drawing holds the GIL for most of its time.
With N > 0 a pool of N processes draws them; the process answering updates only sends the
data over and gets the PNG or PDF back. The processes are started with `spawn` (a fork of a
process running an event loop and threads is unsafe) and load the drawing code once.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def _warm_up() -> None:
    """Import the drawing code once per process, before the first drawing is asked for."""
    import bot.appraisal.chart  # noqa: F401
    import bot.appraisal.pdf  # noqa: F401


def drawing_pool(processes: int) -> ProcessPoolExecutor | None:
    """A pool of `processes` drawing processes, or None for drawing threads in this one."""
    if processes == 0:
        return None
    return ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
    )
