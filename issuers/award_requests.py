"""What an award request is and what it gives: learners, requests, signed awards, their digests."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from events.application import AwardEntry, AwardReads
from verifier import eddsa_jcs_2022

# Credential ids were once uuid5 of the issuer and the idempotency key (guessable); they are
# random now, and this only finds, on a retry, a credential recorded under such an id.
LEGACY_AWARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://staff-passport.nhs.example/awards")


@dataclass(frozen=True)
class RegisteredIssuer:
    """An issuer's ids."""

    id: UUID
    did: str


@dataclass(frozen=True)
class Learner:
    """Who an award is for: a stable staff identifier, and personal details for the passport."""

    staff_identifier: str
    name: str
    email: str


@dataclass(frozen=True)
class AwardRequest:
    """One row of an award request: what, to whom, when; the key makes retries safe."""

    achievement_id: str
    learner: Learner
    earned_on: date
    credits_earned: float | None
    idempotency_key: str
    cryptosuite: str = eddsa_jcs_2022.CRYPTOSUITE
    evidence: tuple[dict[str, Any], ...] = ()  # Open Badges 3.0 `Evidence` (programme awards)


@dataclass(frozen=True)
class Award:
    """An issued credential in both securing forms."""

    credential_id: str
    learner_id: UUID
    credential: dict[str, Any]
    jwt: str


class Prepared(NamedTuple):
    """A signed batch not yet recorded: its awards, their entries, what was read, and the
    credential id of each idempotency key of the rows signed."""

    awards: list[Award]
    entries: list[AwardEntry]
    reads: AwardReads
    ids: dict[str, str]


def request_digest(request: AwardRequest, learner_id: UUID) -> str:
    """What makes two award requests the same award: a retry must match it exactly."""
    return award_digest(
        learner_id,
        request.achievement_id,
        request.earned_on.isoformat(),
        request.credits_earned,
        request.cryptosuite,
    )


def award_digest(
    learner_id: UUID, achievement_id: str, earned_on: str, credits: float | None, suite: str
) -> str:
    """The digest `request_digest` keeps in a credential id's claim, from its parts."""
    details = {
        "learner": str(learner_id),
        "achievementId": achievement_id,
        "earnedOn": earned_on,
        "creditsEarned": credits,
        "cryptosuite": suite,
    }
    return hashlib.sha256(json.dumps(details, sort_keys=True).encode()).hexdigest()
