"""Prints `passport projections rebuild` events/s as the log grows (10^3, 10^4, 10^5 events by
default), each as a ratio to the rate at the smallest size, beside a bare `eventsourcing` read of
the same events (and that read with every event's signature checked, as a rebuild must).

One ledger grows from size to size through the import path (generated ESR rows, ten per learner:
enrolments and signed awards, about two events per credential). At each size the rebuild runs in
this process exactly as `passport projections rebuild` does: into fresh tables, batch by batch,
then swapped in. `--postgres` runs on a throwaway PostgreSQL server, else on a SQLite file.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import issuance
from bench.importing import PER_LEARNER, write_report
from bench.issuance import _academy, _services
from passport.importing import Importer, ImportMapping
from passport.services import Services
from tests.postgres_cluster import throwaway_cluster

EVENTS_PER_ROW = 2.1  # measured: enrolments, awards and what the ledger records with them
READ_BATCH = 500


def _grow(
    services: Services, mapping: ImportMapping, directory: Path, first: int, rows: int
) -> None:
    """Import `rows` more generated completions, numbered from row `first`."""
    report = directory / f"report-{first}.csv"
    write_report(report, first + rows, first)
    Importer(services, mapping).run(report, datetime.now(UTC), lambda _: None)


def _read(services: Services, *, decode: bool) -> float:
    """Events/s of reading the whole log through the recorder (and the signature-checking
    mapper, with `decode`)."""
    recorder, mapper = services.ledger.recorder, services.ledger.mapper
    start, position, count = time.perf_counter(), 0, 0
    while batch := recorder.select_notifications(
        start=position, limit=READ_BATCH, inclusive_of_start=False
    ):
        if decode:
            for notification in batch:
                mapper.to_domain_event(notification)
        position, count = batch[-1].id, count + len(batch)
    return count / (time.perf_counter() - start)


def _timed_rebuild(services: Services) -> tuple[int, list[tuple[int, float]]]:
    """Rebuild; (events applied, (position, time) at the start and after each batch)."""
    marks: list[tuple[int, float]] = [(0, time.perf_counter())]
    count = services.projections.rebuild(
        progress=lambda position, _head: marks.append((position, time.perf_counter()))
    )
    return count, marks


def _tenths(marks: list[tuple[int, float]]) -> str:
    """Events/s over the first and the last tenth of one rebuild (its batches' progress): the
    same in both when the rate does not fall as the shadow tables grow, whatever the load."""
    if len(marks) < 21:
        return "-"
    tenth = len(marks) // 10

    def rate(a: tuple[int, float], b: tuple[int, float]) -> float:
        return (b[0] - a[0]) / (b[1] - a[1])

    first, last = rate(marks[0], marks[tenth]), rate(marks[-tenth - 2], marks[-2])
    return f"{first:.0f}, {last:.0f}"


def main() -> None:
    """Grow one ledger through the sizes and print each size's rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1e3,1e4,1e5", help="log lengths, in events")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(float(s)) for s in args.sizes.split(","))
    kind = "PostgreSQL" if args.postgres else "SQLite file"
    print(f"passport projections rebuild, {kind}; events/s (ratio to the smallest size)")
    print(
        f"{'events':>9} {'rebuild':>9} {'ratio':>6} {'bare read':>10} {'read+verify':>12} "
        f"{'rebuild/read+verify':>20} {'first, last tenth ev/s':>24}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if args.postgres:
            issuance.POSTGRES = stack.enter_context(throwaway_cluster())
        directory = Path(tmp)
        services = _services(directory, "rebuild")
        account, achievement = _academy(services)
        mapping = ImportMapping.model_validate(
            {"courses": {"IG": {"issuer": str(account.id), "achievement": achievement}}}
        )
        rows, first_rate = 0, 0.0
        for size in sizes:
            while (head := services.ledger.recorder.max_notification_id() or 0) < size:
                more = max(PER_LEARNER, int((size - head) / EVENTS_PER_ROW) // 10 * 10)
                _grow(services, mapping, directory, rows, more)
                rows += more
            bare, verified = _read(services, decode=False), _read(services, decode=True)
            count, marks = _timed_rebuild(services)
            rate = count / (marks[-1][1] - marks[0][1])
            first_rate = first_rate or rate
            print(
                f"{count:>9} {rate:>9.0f} {rate / first_rate:>6.2f} {bare:>10.0f} "
                f"{verified:>12.0f} {rate / verified:>20.2f} {_tenths(marks):>24}",
                flush=True,
            )
        services.close()


if __name__ == "__main__":
    main()
