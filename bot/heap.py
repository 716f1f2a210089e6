"""The garbage collector set for a long-running server process (`yume serve`).

Start-up leaves tens of thousands of long-lived objects (modules, SQLAlchemy's compiled
statements, python-statemachine's machine classes, the NLU's tables). Left in the collector's
generations, every full collection walks them all again; frozen, they are never examined. A turn
allocates many short-lived objects (rows, statements, replies): a larger young generation
collects them in fewer, equally cheap passes.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # CPython's default is 700


def settle_after_start_up() -> None:
    """Freeze what start-up built and collect the young generation less often (call once, when ready to serve)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
