"""The API client aggregate: OAuth client credentials for an issuer or the ledger operator."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

CLIENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://staff-passport.nhs.example/clients")
OPERATOR = "operator"


class ApiClient(Aggregate):
    """A client of the API. Only a hash of its secret is ever recorded."""

    @staticmethod
    def create_id(client_id: str) -> UUID:
        """One aggregate per client id."""
        return uuid5(CLIENT_NAMESPACE, client_id)

    class Registered(Aggregate.Created):
        """An API client was registered."""

        class_version = 1
        client_id: str
        owner: str
        secret_hash: str

    @event(Registered)
    def __init__(self, client_id: str, owner: str, secret_hash: str) -> None:
        self.client_id = client_id
        self.owner = owner
        self.secret_hash = secret_hash
        self.revoked = False

    class Revoked(Aggregate.Event):
        """The client may no longer obtain tokens."""

        class_version = 1

    @event(Revoked)
    def revoke(self) -> None:
        """Stop the client from obtaining tokens."""
        self.revoked = True
