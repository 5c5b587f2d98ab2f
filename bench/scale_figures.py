"""What `bench.scale` measures on each ledger size, and the names it measures them under."""

from __future__ import annotations

from dataclasses import dataclass, field

ENDPOINTS = (
    "share page (HTML)",
    "share page (JSON)",
    "learner page",
    "role check",
    "POST /credentials/verify",
    "inclusion proof",
    "checkpoint",
)
CLIENTS = (1, 8)


@dataclass
class Latency:
    """Response times of one endpoint at one concurrency, in milliseconds."""

    p50: float
    p99: float
    requests: int
    failures: int
    first_failure: str


@dataclass
class SizeRun:
    """Everything measured on one ledger size."""

    credentials: int
    events: int = 0
    import_rate: float = 0.0
    rebuild_rate: float = 0.0
    audit_rate: float = 0.0
    rebuild_peak_mb: float = 0.0
    audit_peak_mb: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    catch_up_seconds: float = 0.0
    latency: dict[tuple[str, int], Latency] = field(default_factory=dict)
