"""Issuer accounts: the operator registers an academy and hands it API credentials once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from events.application import Ledger
from events.client import OPERATOR
from issuers.auth import ClientCredentials, new_client_credentials
from issuers.awarding import Awarding

MAX_SLUG = 60


def slugify(name: str) -> str:
    """The short name in an issuer's did:web and URLs: lower case, words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        raise ValueError("the issuer name must contain at least one letter or digit")
    return slug


@dataclass(frozen=True)
class IssuerAccount:
    """A newly registered issuer and its API credentials (the secret is shown only now)."""

    id: UUID
    did: str
    client_id: str
    client_secret: str


class Accounts:
    """Registering issuers and API clients."""

    def __init__(self, ledger: Ledger, awarding: Awarding) -> None:
        self._ledger = ledger
        self._awarding = awarding

    def register_issuer(
        self, name: str, url: str, at: datetime, did_method: str = "web"
    ) -> IssuerAccount:
        """Register an academy with a first key and one set of client credentials."""
        issuer = self._awarding.register_issuer(slugify(name), name, url, at, did_method)
        credentials = self.new_client(str(issuer.id))
        return IssuerAccount(
            issuer.id, issuer.did, credentials.client_id, credentials.client_secret
        )

    def new_client(self, owner: str) -> ClientCredentials:
        """New client credentials for an issuer (by id) or the operator."""
        credentials, secret_hash = new_client_credentials()
        self._ledger.register_client(credentials.client_id, owner, secret_hash)
        return credentials

    def new_operator_client(self) -> ClientCredentials:
        """Client credentials for the ledger operator (admin API)."""
        return self.new_client(OPERATOR)
