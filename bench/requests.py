"""Prints what each request costs on a small ledger and on one ten times larger, and the ratio.

The same reads a share page, a verifier and the log's clients make (status list, credential
verification, inclusion proof, checkpoint, passport, passport file) and one award, each timed
in-process (no HTTP) as the median of `--samples` calls on random credentials; a ratio near 1
means the request costs the same whatever the ledger's size. The ledger is loaded through
`Awarding.award_many`, ten credentials per learner.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

from bench.store import throwaway_settings
from events.issuer import AchievementKind
from issuers.awarding import Award, AwardRequest, Learner
from passport.log import inclusion_for_credential, publish_checkpoint
from passport.publishing import passport_file, status_list_at
from passport.services import Services
from passport.verification import verify_against_ledger
from tests.postgres_cluster import Cluster, throwaway_cluster

PER_LEARNER = 10


def _load(services: Services, credentials: int) -> tuple[UUID, str, list[Award]]:
    issuer = services.awarding.register_issuer(
        "bench-academy", "Bench Academy", "https://b.example", datetime.now(UTC)
    )
    achievement = services.awarding.define_achievement(
        issuer.id,
        name="Information Governance",
        description="IG",
        criteria="Pass",
        kind=AchievementKind.TRAINING,
        refresher_months=12,
    )
    requests = [
        AwardRequest(
            achievement,
            Learner(f"ESR-{n % (credentials // PER_LEARNER):08d}", "Learner", ""),
            date(2026, 1, 1),
            None,
            f"load#{n}",
        )
        for n in range(credentials)
    ]
    awards: list[Award] = []
    for start in range(0, credentials, 100):
        awards += services.awarding.award_many(
            issuer.id, requests[start : start + 100], at=datetime.now(UTC)
        )
    for award in random.sample(awards, max(1, credentials // 100)):
        services.ledger.revoke_credential(award.learner_id, award.credential_id, "bench")
    services.projections.catch_up()
    return issuer.id, achievement, awards


def _median_ms(samples: int, call: Callable[[], object]) -> float:
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def measure(
    directory: Path, name: str, credentials: int, samples: int, postgres: Cluster | None
) -> dict[str, float]:
    """Median milliseconds of each request on a ledger of `credentials` credentials."""
    services = Services.open(throwaway_settings(directory, name, postgres))
    issuer_id, achievement, awards = _load(services, credentials)
    now = datetime.now(UTC)
    pick = lambda: random.choice(awards)  # noqa: E731
    url = awards[0].credential["credentialStatus"]["statusListCredential"]
    counter = iter(range(10**9))
    figures = {
        "status list": _median_ms(samples, lambda: status_list_at(services, url)),
        "verify credential": _median_ms(
            samples, lambda: verify_against_ledger(services, pick().credential, now)
        ),
        "inclusion proof": _median_ms(
            samples, lambda: inclusion_for_credential(services, pick().credential_id)
        ),
        "checkpoint": _median_ms(samples, lambda: publish_checkpoint(services, now)),
        "passport view": _median_ms(
            samples, lambda: services.views.passport(str(pick().learner_id), now.date())
        ),
        "passport file": _median_ms(
            samples, lambda: passport_file(services, str(pick().learner_id), now)
        ),
        "one award": _median_ms(
            samples,
            lambda: services.awarding.award(
                issuer_id,
                achievement,
                Learner(f"ESR-{next(counter) % 50:08d}", "Learner", ""),
                earned_on=date(2026, 2, 1),
                at=datetime.now(UTC),
            ),
        ),
    }
    services.close()
    return figures


def main() -> None:
    """Measure on both sizes in one run and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        cluster = stack.enter_context(throwaway_cluster()) if args.postgres else None
        small = measure(Path(tmp), "small", args.small, args.samples, cluster)
        large = measure(Path(tmp), "large", args.large, args.samples, cluster)
    store = "PostgreSQL" if args.postgres else "SQLite file"
    print(
        f"request cost, median of {args.samples}, {store}: {args.small} vs {args.large} credentials"
    )
    for name, ms in small.items():
        print(f"  {name:18s} {ms:8.2f} ms  {large[name]:8.2f} ms   ratio {large[name] / ms:5.2f}")


if __name__ == "__main__":
    main()
