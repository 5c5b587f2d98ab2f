"""One claim per credential id, so the log can never hold two credentials with the same id.

The claim is saved in the same atomic write as the credential. The event store refuses a second
aggregate with the same id, so two requests racing to record the same credential id (a reused
idempotency key, a caller-chosen id) cannot both succeed: the second write fails as a whole.
The claim also keeps a digest of the award request, so a key reused with another body is told
apart from a retry.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

CLAIM_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/credential-ids")


class CredentialClaim(Aggregate):
    """Which passport holds a credential id, and a digest of the request that recorded it."""

    @staticmethod
    def create_id(credential_id: str) -> UUID:
        """One claim per credential id."""
        return uuid5(CLAIM_NAMESPACE, credential_id)

    class Claimed(Aggregate.Created):
        """The credential id was recorded in a passport."""

        class_version = 1
        credential_id: str
        learner_id: str
        request: str

    @event(Claimed)
    def __init__(self, credential_id: str, learner_id: str, request: str) -> None:
        self.credential_id = credential_id
        self.learner_id = learner_id
        self.request = request  # sha256 of the award request's details; "" when not an award
