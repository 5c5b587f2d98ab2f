"""Builds the unsigned Open Badges 3.0 `OpenBadgeCredential` (W3C VC Data Model 2.0) of an award."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from typing import Any

from verifier.timestamps import xsd_datetime

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

ACHIEVEMENT_TYPES = {"training": "CertificateOfCompletion", "badge": "Badge", "cpd": "Course"}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def achievement_document(
    achievement_id: str,
    name: str,
    description: str,
    criteria: str,
    kind: str,
    credits_available: float | None,
    field_of_study: str | None,
) -> dict[str, Any]:
    """An Open Badges 3.0 `Achievement`."""
    document: dict[str, Any] = {
        "id": f"urn:uuid:{achievement_id}",
        "type": ["Achievement"],
        "name": name,
        "description": description,
        "criteria": {"narrative": criteria},
        "achievementType": ACHIEVEMENT_TYPES[kind],
    }
    if credits_available is not None:
        document["creditsAvailable"] = float(credits_available)
    if field_of_study:
        document["fieldOfStudy"] = field_of_study
    return document


def open_badge_credential(
    *,
    credential_id: str,
    issuer_did: str,
    issuer_name: str,
    issuer_url: str,
    achievement: dict[str, Any],
    identity_hash: str,
    earned_on: date,
    refresher_months: int | None,
    credits_earned: float | None,
) -> dict[str, Any]:
    """The unsigned credential. The learner appears only as `identity_hash`, a hash of their
    staff identifier keyed with a ledger secret (`keys.Pseudonyms.identity_hash`): no `salt`
    is given, since none that a guesser could use exists."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash,
                "identityType": "identifier",
                "hashed": True,
            }
        ],
        "achievement": achievement,
    }
    if credits_earned is not None:
        subject["creditsEarned"] = float(credits_earned)
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": issuer_name, "url": issuer_url},
        "name": achievement["name"],
        "validFrom": xsd_datetime(datetime.combine(earned_on, time(), UTC)),
        "credentialSubject": subject,
    }
    if refresher_months:
        until = add_months(earned_on, refresher_months)
        credential["validUntil"] = xsd_datetime(datetime.combine(until, time(), UTC))
    return credential
