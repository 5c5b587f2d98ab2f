"""The garbage collector in `passport`'s own processes (the command, the server and the processes
it starts: writers, background jobs).

CPython looks for reference cycles among young objects every 700 allocations (net of frees). A
cohort job or an import keeps tens of thousands of credentials alive, each a tree of dicts, so
at that pace the collector ran hundreds of times per chunk over objects that make no cycles:
`bench.issuance` recorded 2,143–2,267 awards/s through the API with the default and 2,391–2,492
with young collections ten times rarer. Cycles are still collected; garbage held in cycles
grows by at most the young generation's threshold in objects between two collections.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION = 10_000  # allocations between two collections of the youngest objects


def pace_collector() -> None:
    """Collect the youngest generation every `YOUNG_GENERATION` allocations, the older ones at
    CPython's default ratios."""
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, oldest)


def settle_heap() -> None:
    """Leave the objects alive now (modules, schemas, the store's plumbing) out of the garbage
    collector's passes for the rest of the process.

    A full pass walks every tracked object; an import's allocations set one off every couple of
    thousand credentials, and walking the start-up heap each time cost about a tenth of the CPU
    of recording a credential.
    """
    gc.collect()
    gc.freeze()
