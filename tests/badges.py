"""One Open Badges 3.0 credential shaped as `issuers/` awards it, for tests and benchmarks."""

from __future__ import annotations

from datetime import date
from typing import Any

from issuers.credentials import achievement_document, open_badge_credential


def open_badge(issuer_did: str) -> dict[str, Any]:
    """An unsigned `OpenBadgeCredential`: a CPD achievement with credits, and a validity period."""
    achievement = achievement_document(
        "6f1c2a9e-2f1b-4c1e-9d55-3b0f2c7a0001",
        name="Basic Life Support",
        description="Adult basic life support and AED, Core Skills Training Framework.",
        criteria="Completed the e-learning and the practical assessment.",
        kind="cpd",
        credits_available=3.0,
        field_of_study="Resuscitation",
    )
    return open_badge_credential(
        credential_id="6f1c2a9e-2f1b-4c1e-9d55-3b0f2c7a0002",
        issuer_did=issuer_did,
        issuer_name="NHS Digital Academy",
        issuer_url="https://academy.example",
        achievement=achievement,
        identity_hash="sha256$c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff",
        earned_on=date(2026, 3, 1),
        refresher_months=12,
        credits_earned=3.0,
    )
