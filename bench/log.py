"""Prints the transparency log's costs, each against a baseline measured in the same run.

- events projected per second with the Merkle log on vs. off (the same log, rebuilt twice);
- inclusion-proof generation time at 10^3 and 10^6 leaves (in-memory node store, so the
  figure is the algorithm's: it should grow like log n, not n);
- checkpoint signing time against one raw Ed25519 signature.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.store import throwaway_settings
from keys import SigningKey
from passport.services import Services
from projections import merkle_log
from projections.merkle_tree import MemoryNodes, append_leaf, inclusion_proof, root
from verifier.merkle import leaf_hash
from verifier.signed_note import Checkpoint, sign_note


def bench_projection(events: int, directory: Path) -> tuple[float, float]:
    """(events/s with the Merkle log, events/s without it), rebuilding the same log."""
    services = Services.open(throwaway_settings(directory, "log"))
    for i in range(events):
        services.ledger.enrol_learner(f"ESR-{i:07d}", f"L {i}", "")
    start = time.perf_counter()
    count = services.projections.rebuild()
    with_log = count / (time.perf_counter() - start)
    real_append = merkle_log.append_all
    merkle_log.append_all = lambda tx, events: list(range(len(events)))
    try:
        start = time.perf_counter()
        count = services.projections.rebuild()
        without_log = count / (time.perf_counter() - start)
    finally:
        merkle_log.append_all = real_append
        services.projections.rebuild()
        services.close()
    return with_log, without_log


def bench_proofs(size: int, samples: int = 500) -> float:
    """Mean seconds to generate one inclusion proof in a tree of `size` leaves."""
    nodes = MemoryNodes()
    for i in range(size):
        append_leaf(i, leaf_hash(i.to_bytes(8, "big")), nodes.put, nodes.get)
    picks = [random.randrange(size) for _ in range(samples)]
    start = time.perf_counter()
    for index in picks:
        inclusion_proof(index, size, nodes.get)
    return (time.perf_counter() - start) / samples


def bench_checkpoint(samples: int = 2000) -> tuple[float, float]:
    """(seconds per checkpoint note signed, seconds per raw Ed25519 signature)."""
    key = SigningKey.generate()
    nodes = MemoryNodes()
    for i in range(1000):
        append_leaf(i, leaf_hash(i.to_bytes(8, "big")), nodes.put, nodes.get)
    text = Checkpoint("passport.example/log", 1000, root(1000, nodes.get)).text()
    start = time.perf_counter()
    for _ in range(samples):
        sign_note(text, "passport.example/log", key)
    note = (time.perf_counter() - start) / samples
    start = time.perf_counter()
    for _ in range(samples):
        key.sign(text.encode())
    return note, (time.perf_counter() - start) / samples


def main() -> None:
    """Run and print the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        on, off = bench_projection(args.events, Path(tmp))
    print(f"projection of {args.events} events (SQLite file), {datetime.now(UTC):%Y-%m-%d}")
    print(f"  with the Merkle log    : {on:8.0f} events/s")
    print(f"  without it             : {off:8.0f} events/s   ratio {on / off:.2f} (aim >= 0.8)")
    small, big = bench_proofs(1000), bench_proofs(args.big)
    print("inclusion proof generation (in-memory nodes)")
    print(f"  10^3 leaves            : {small * 1e6:8.1f} µs")
    print(
        f"  {args.big:,} leaves    : {big * 1e6:8.1f} µs   ratio {big / small:.2f} "
        f"(log n ratio {args.big.bit_length() / (1000).bit_length():.2f})"
    )
    note, raw = bench_checkpoint()
    print(
        f"checkpoint signing       : {note * 1e6:8.1f} µs   ({note / raw:.2f}x one Ed25519 "
        "signature)"
    )


if __name__ == "__main__":
    main()
