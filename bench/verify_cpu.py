"""Verification ratios as `bench.ledger` prints them, timed in CPU time, best of several rounds.

On a machine other processes share, wall-clock rates swing by a factor of two between runs; the
CPU time this thread spends (`time.thread_time`: no background thread counts) much less, so
ratios from different trees (before and after a change, each checked out with `git archive`)
can be compared. Run from a tree's root: `PYTHONPATH=. python -m bench.verify_cpu`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import ledger


def _best_cpu_rate(rounds: int) -> Callable[[int, Callable[[], None]], float]:
    def rate(count: int, work: Callable[[], None]) -> float:
        times = []
        for _ in range(rounds):
            start = time.thread_time()
            work()
            times.append(time.thread_time() - start)
        return count / min(times)

    return rate


def main() -> None:
    """Print each form's verifications per CPU second and its ratio to raw Ed25519."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verifications", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rates = ledger.bench_verify(args.verifications, Path(tmp), _best_cpu_rate(args.rounds))
    print(f"verify in-process, CPU time, best of {args.rounds} x {args.verifications}")
    print(f"  raw Ed25519 verify, libsodium  : {rates['raw']:9.0f} /s")
    for form in ("eddsa-jcs-2022", "vc+jwt"):
        ratio = rates[form] / rates["raw"]
        print(f"  credential, {form:<19}: {rates[form]:9.0f} /s   ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
