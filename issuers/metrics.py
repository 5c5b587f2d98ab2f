"""Counters of what issuance records, exposed by the server at `/metrics`."""

from __future__ import annotations

from prometheus_client import Counter

AWARDS_RECORDED = Counter(
    "passport_awards_recorded",
    "Credentials recorded on the ledger by this server's processes "
    "(retries and replays not counted).",
)
