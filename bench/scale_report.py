"""The tables `bench.scale` prints: one per ledger size, then each figure's slope."""

from __future__ import annotations

import math
import os
import sys

from bench.scale_figures import CLIENTS, ENDPOINTS, SizeRun


def _slope(small: SizeRun, large: SizeRun, small_value: float, large_value: float) -> str:
    """The ratio large/small, the log-log slope k (value ∝ credentials^k: 0 flat, 1 linear) and
    the value at 10^7 credentials on that slope."""
    ratio = large_value / small_value if small_value else float("nan")
    k = math.log(ratio) / math.log(large.credentials / small.credentials)
    at_ten_million = large_value * (10**7 / large.credentials) ** k
    return f"×{ratio:6.2f}  k {k:+5.2f}  at 10^7: {at_ten_million:10.1f}"


def print_size(run: SizeRun) -> None:
    """Print one size's table, with the machine's load average now (it is shared)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n{run.credentials} credentials, {run.events} events; load average {load}")
    print(f"  {'endpoint':26s} clients   p50 ms   p99 ms  p50/bare  p99/bare requests failures")
    for clients in CLIENTS:
        bare = run.latency["bare", clients]
        for endpoint in ("bare", *ENDPOINTS):
            if (endpoint, clients) not in run.latency:
                continue
            lat = run.latency[endpoint, clients]
            print(
                f"  {endpoint:26s} {clients:7d} {lat.p50:8.2f} {lat.p99:8.2f} "
                f"{lat.p50 / bare.p50:9.1f} {lat.p99 / bare.p99:9.1f} "
                f"{lat.requests:8d} {lat.failures:8d}"
            )
            if lat.failures:
                print(f"    first failure: {lat.first_failure}")
    print(f"  import (passport import)    {run.import_rate:10.0f} credentials/s")
    print(
        f"  projections rebuild         {run.rebuild_rate:10.0f} events/s"
        f" (peak RSS {run.rebuild_peak_mb:.0f} MB)"
    )
    print(
        f"  audit                       {run.audit_rate:10.0f} events/s"
        f" (peak RSS {run.audit_peak_mb:.0f} MB)"
    )
    print(f"  server RSS                  {run.rss_mb:10.0f} MB (peak {run.peak_rss_mb:.0f})")
    print(
        f"  followers caught up         {run.catch_up_seconds:10.1f} s after the server started "
        "(read models, programme awarder, maintenance keeper)"
    )
    sys.stdout.flush()


def print_slopes(runs: list[SizeRun]) -> None:
    """Print each figure's slope from the smallest size to the largest."""
    if len(runs) < 2:
        return
    small, large = runs[0], runs[-1]
    print(
        f"\nslope from {small.credentials} to {large.credentials} credentials: ratio, "
        "log-log slope k, and the figure at 10^7 on that slope"
    )
    for clients in CLIENTS:
        for endpoint in ENDPOINTS:
            if (endpoint, clients) not in small.latency:
                continue
            a, b = small.latency[endpoint, clients].p50, large.latency[endpoint, clients].p50
            print(f"  p50 ms {endpoint:26s} ×{clients}  {_slope(small, large, a, b)}")
    for name in (
        "import_rate",
        "rebuild_rate",
        "audit_rate",
        "rss_mb",
        "rebuild_peak_mb",
        "audit_peak_mb",
    ):
        a, b = getattr(small, name), getattr(large, name)
        print(f"  {name:37s} {_slope(small, large, a, b)}")
