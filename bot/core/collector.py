"""Python's garbage collector held off while a burst of work runs (a chunk of a fan-out).

A chunk of a big fan-out makes hundreds of thousands of objects in a fraction of a second,
nearly all freed again by their reference counts; the collector, counting allocations, would
meanwhile run again and again, now and then over every object copro holds (a third of the
CPU of a 100,000-member check-in). ``paused`` turns it off for the block and back on after,
so the objects left over are looked at once, by the next ordinary collection. Nothing else
about the collector changes, so a long-running ``copro run`` collects as it always has
between bursts. The collector is the whole process's: other tasks that run while the block
waits for the database go without it too, for the fraction of a second a chunk lasts.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_pausing = 0  # blocks under way (tasks may overlap): the collector is back on when none is


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection during the block (if it was on before the first one began)."""
    global _pausing
    if _pausing == 0 and not gc.isenabled():
        yield  # turned off by someone else: theirs to turn back on
        return
    _pausing += 1
    gc.disable()
    try:
        yield
    finally:
        _pausing -= 1
        if _pausing == 0:
            gc.enable()
