"""Prints `passport import` throughput: credentials/s of an ESR report loaded through the import
path (validation pass, then signed awards in chunks), against bare `eventsourcing` appends of
the same run, and the rerun of the same file (everything found recorded).

`--postgres` runs on a throwaway PostgreSQL server instead of a SQLite file.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import issuance
from bench.issuance import _academy, _services, bench_eventsourcing
from passport.importing import Importer, ImportMapping
from passport.services import Services
from tests.postgres_cluster import throwaway_cluster

HEADER = "Employee Number,Full Name,Email Address,Competence Code,Achieved Date\n"
PER_LEARNER = 10


def write_report(path: Path, rows: int) -> None:
    """`rows` completions, PER_LEARNER per learner, on distinct dates."""
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(rows):
            learner, k = divmod(n, PER_LEARNER)
            out.write(
                f"ESR-{learner:08d},Learner {learner},l{learner}@example.nhs.net,IG,"
                f"2025-{1 + k % 12:02d}-{1 + k // 12:02d}\n"
            )


def load(services: Services, report: Path, mapping: ImportMapping) -> tuple[float, float, float]:
    """(check seconds, record seconds, rerun seconds) of importing the report."""
    importer = Importer(services, mapping)
    start = time.perf_counter()
    plan = importer.plan(report)
    checked = time.perf_counter()
    assert not plan.refused, plan.refused[:3]
    importer.run(report, datetime.now(UTC), lambda _: None)
    recorded = time.perf_counter()
    importer.run(report, datetime.now(UTC), lambda _: None)
    return checked - start, recorded - checked, time.perf_counter() - recorded


def main() -> None:
    """Import a generated report and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if args.postgres:
            issuance.POSTGRES = stack.enter_context(throwaway_cluster())
        directory = Path(tmp)
        store = bench_eventsourcing(min(args.rows, 5000), directory)
        services = _services(directory, "import")
        account, achievement = _academy(services)
        mapping = ImportMapping.model_validate(
            {"courses": {"IG": {"issuer": str(account.id), "achievement": achievement}}}
        )
        report = directory / "report.csv"
        write_report(report, args.rows)
        check, record, rerun = load(services, report, mapping)
        services.close()
    kind = "PostgreSQL" if args.postgres else "SQLite file"
    print(f"passport import, {args.rows} rows ({PER_LEARNER} per learner), {kind}")
    print(f"  bare eventsourcing (batches of 100) : {store:8.0f} appends/s")
    print(f"  check pass (dry run)                : {args.rows / check:8.0f} rows/s")
    print(
        f"  record pass                         : {args.rows / record:8.0f} credentials/s   "
        f"ratio {args.rows / record / store:.2f}"
    )
    print(f"  check + record                      : {args.rows / (check + record):8.0f} rows/s")
    print(f"  rerun (all recorded before)         : {args.rows / rerun:8.0f} rows/s")


if __name__ == "__main__":
    main()
