"""Verification ratios of several trees, measured in the same minutes: `verify_cpu`, alternated.

On a machine others load, two runs of `bench.verify_cpu` minutes apart differ by ±20 %, more than
a change under test. Here one worker process per tree (each a `git archive` of a commit, whose
`bench.ledger.bench_verify` takes a `rate` argument) holds that tree's set-up; the driver asks each
in turn to run the same verifications (raw Ed25519, eddsa-jcs-2022, vc+jwt), round after round,
and keeps each tree's best CPU time (`time.thread_time`). Run from this tree:
`python -m bench.verify_trees /tmp/before /tmp/after` (the trees' roots).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FORMS = ("raw", "eddsa-jcs-2022", "vc+jwt")


def _worker(count: int) -> None:
    """In a tree's root: set up once, then run the form named on each stdin line."""
    from bench import ledger  # noqa: PLC0415 - the tree's own, found through PYTHONPATH

    works: list[Callable[[], None]] = []

    def keep(_: int, work: Callable[[], None]) -> float:
        works.append(work)
        return 1.0

    with tempfile.TemporaryDirectory() as tmp:
        ledger.bench_verify(count, Path(tmp), keep)
        by_form = dict(zip(("raw", "raw openssl", "eddsa-jcs-2022", "vc+jwt"), works, strict=True))
        print("ready", flush=True)
        for line in sys.stdin:
            start = time.thread_time()
            by_form[line.strip()]()
            print(time.thread_time() - start, flush=True)


def main() -> None:
    """Alternate the trees' work and print each tree's ratios to raw Ed25519."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--verifications", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.verifications)
        return
    workers = {}
    for tree in args.trees:
        root = str(tree.resolve())
        workers[tree] = subprocess.Popen(
            [sys.executable, __file__, "--worker", "--verifications", str(args.verifications)],
            cwd=root,
            env={**os.environ, "PYTHONPATH": root},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if workers[tree].stdout.readline().strip() != "ready":  # type: ignore[union-attr]
            sys.exit(f"{tree}: the worker did not start (see its error above)")
    best = {(tree, form): float("inf") for tree in workers for form in FORMS}
    for _ in range(args.rounds):
        for form in FORMS:
            for tree, worker in workers.items():
                worker.stdin.write(f"{form}\n")  # type: ignore[union-attr]
                worker.stdin.flush()  # type: ignore[union-attr]
                spent = float(worker.stdout.readline())  # type: ignore[union-attr]
                best[(tree, form)] = min(best[(tree, form)], spent)
    print(f"CPU time, best of {args.rounds} alternated rounds x {args.verifications}")
    for tree, worker in workers.items():
        raw = best[(tree, "raw")]
        ratios = "  ".join(f"{f} {raw / best[(tree, f)]:.3f}" for f in FORMS[1:])
        print(f"  {tree}: {ratios}  (raw Ed25519 {args.verifications / raw:.0f}/s)")
        worker.stdin.close()  # type: ignore[union-attr]
        worker.wait()


if __name__ == "__main__":
    main()
