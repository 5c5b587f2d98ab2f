"""Prints `passport import` throughput: credentials/s of an ESR report loaded through the import
path (validation pass, then signed awards in chunks), against bare `eventsourcing` appends of
the same run, and the rerun of the same file (everything found recorded). The record pass's
CPU time in this process (without the database server's) is printed too: on a shared machine
it moves far less than the rates do.

`--sizes 1e4,1e5` loads reports one after another into the same store, each taking it to the
next size with new learners, so each step's rate is measured on a larger ledger: flat when a
credential costs the same at the first and the millionth. Bare appends are measured (in a store
of their own) right before each step, since a shared machine's speed drifts during a run.

`--postgres` runs on a throwaway PostgreSQL server instead of a SQLite file; `--jobs N` signs
the credentials in N worker processes (`passport import --jobs`; default 1, none).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import issuance
from bench.issuance import _academy, _services, bench_eventsourcing
from issuers.signing import SigningPool
from passport.collector import settle_heap
from passport.importing import Importer, ImportMapping, writers_for
from passport.services import Services
from tests.postgres_cluster import throwaway_cluster

HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"
PER_LEARNER = 10


def write_report(path: Path, rows: int, first: int = 0) -> None:
    """Completions `first` to `rows - 1`, PER_LEARNER per learner, on distinct dates."""
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(first, rows):
            learner, k = divmod(n, PER_LEARNER)
            out.write(
                f"ESR-{learner:08d},Learner {learner},l{learner}@example.nhs.net,IG,"
                f"2025-{1 + k % 12:02d}-{1 + k // 12:02d}\n"
            )


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (the import's writer)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def load(
    services: Services, report: Path, mapping: ImportMapping, *, rerun: bool, jobs: int = 1
) -> tuple[float, float, float, float]:
    """(check seconds, record seconds, rerun seconds or 0, record CPU seconds of this process
    and its writer process)
    of importing the report."""
    importer = Importer(services, mapping)
    settle_heap()  # as `passport import` does
    start = time.perf_counter()
    pool = (
        SigningPool(jobs) if jobs > 1 else None
    )  # its workers start during the check, as in the CLI
    try:
        plan = importer.plan(report)
        checked = time.perf_counter()
        assert not plan.refused, plan.refused[:3]
        cpu = _cpu()
        with writers_for(services, plan) as writers:
            importer.run(report, datetime.now(UTC), lambda _: None, pool=pool, writers=writers)
        cpu = _cpu() - cpu
    finally:
        if pool is not None:
            pool.close()
    recorded = time.perf_counter()
    if not rerun:
        return checked - start, recorded - checked, 0.0, cpu
    importer.run(report, datetime.now(UTC), lambda _: None)
    return checked - start, recorded - checked, time.perf_counter() - recorded, cpu


def main() -> None:
    """Import generated reports and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="one report of this many rows")
    parser.add_argument("--sizes", help="ledger sizes to load in turn, e.g. 1e4,1e5")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes signing")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")] if args.sizes else [args.rows]
    kind = "PostgreSQL" if args.postgres else "SQLite file"
    print(
        f"passport import, up to {sizes[-1]} rows ({PER_LEARNER} per learner), {kind}, "
        f"--jobs {args.jobs}"
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if args.postgres:
            issuance.POSTGRES = stack.enter_context(throwaway_cluster())
        directory = Path(tmp)
        services = _services(directory, "import")
        account, achievement = _academy(services)
        mapping = ImportMapping.model_validate(
            {"courses": {"IG": {"issuer": str(account.id), "achievement": achievement}}}
        )
        loaded = 0
        for step, size in enumerate(sizes):
            store = bench_eventsourcing(min(size - loaded, 5000), directory, f"eventsourcing{step}")
            report = directory / f"report{step}.csv"
            write_report(report, size, loaded)
            rows = size - loaded
            last = step == len(sizes) - 1
            check, record, rerun, cpu = load(services, report, mapping, rerun=last, jobs=args.jobs)
            print(f"  {loaded:>9} -> {size:<9} rows")
            print(f"    bare eventsourcing (batches of 100) : {store:8.0f} appends/s")
            print(f"    check pass (dry run)                : {rows / check:8.0f} rows/s")
            print(
                f"    record pass                         : {rows / record:8.0f} credentials/s"
                f"   ratio {rows / record / store:.2f}"
            )
            # Steadier than the rate on a shared machine: this process's CPU alone.
            per_credential = 1e6 * cpu / rows
            print(f"    record pass, CPU (importer + writer) : {per_credential:8.0f} µs/credential")
            both = rows / (check + record)
            print(f"    check + record                      : {both:8.0f} rows/s")
            if rerun:
                print(f"    rerun (all recorded before)         : {rows / rerun:8.0f} rows/s")
            loaded = size
        services.close()


if __name__ == "__main__":
    main()
