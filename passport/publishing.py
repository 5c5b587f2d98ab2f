"""The ledger's public documents, by URL: issuers' DID documents and signed status lists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from events.errors import IssuerNotFoundError
from events.issuer import Issuer
from issuers.publication import did_document, signed_status_list
from issuers.status_list import LIST_PURPOSES
from passport.export import export_passport
from passport.export_endorsements import carry_endorsements
from passport.log import (
    inclusions_for_credentials,
    newest_checkpoint,
    verifier_keys,
)
from passport.registry import served_registry
from passport.services import Services
from projections.endorsements import Endorsements


def issuer_did_document(services: Services, slug: str) -> dict[str, Any] | None:
    """The did:web document of an issuer, or None (also for a did:key issuer, which has none)."""
    try:
        issuer = services.ledger.issuer(Issuer.create_id(slug))
    except IssuerNotFoundError:
        return None
    return did_document(issuer) if issuer.did.startswith("did:web:") else None


def status_list(services: Services, slug: str, purpose: str, list_no: int) -> dict[str, Any] | None:
    """An issuer's signed status list, or None if there is no such list."""
    if purpose not in LIST_PURPOSES or list_no < 1:
        return None
    try:
        issuer = services.ledger.issuer(Issuer.create_id(slug))
    except IssuerNotFoundError:
        return None
    state = services.status_indexes.list_state(str(issuer.id), purpose, list_no)
    if state is None:
        return None
    url = services.awarding.status_list_url(slug, purpose, list_no)
    return signed_status_list(issuer, url, purpose, state, services.key_store)


def status_list_at(services: Services, url: str) -> dict[str, Any] | None:
    """The status list published at one of this ledger's URLs; None for any other URL."""
    prefix = f"{services.settings.base_url}/status/"
    if not url.startswith(prefix):
        return None
    parts = url.removeprefix(prefix).split("/")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return status_list(services, parts[0], parts[1], int(parts[2]))


class LedgerStatusLists(Mapping[str, Mapping[str, Any]]):
    """Our own status lists by URL, built from the ledger when asked; never fetched."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._built: dict[str, Mapping[str, Any] | None] = {}

    def __getitem__(self, url: str) -> Mapping[str, Any]:
        if url not in self._built:
            self._built[url] = status_list_at(self._services, url)
        found = self._built[url]
        if found is None:
            raise KeyError(url)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def passport_file(services: Services, learner_id: str, at: datetime) -> dict[str, Any] | None:
    """The learner's portable passport: with the status lists its credentials point to, and
    for each credential its inclusion proof against the newest signed checkpoint of the log (a
    credential recorded since has no proof yet; the next export has it). Writes nothing."""

    def lists(url: str) -> dict[str, Any] | None:
        return status_list_at(services, url)

    bundle = export_passport(services.views, learner_id, at, lists)
    if bundle is None:
        return None
    carry_endorsements(Endorsements(services.read_models), bundle, learner_id, lists)
    newest = newest_checkpoint(services)
    ids = [credential["id"] for credential in bundle["verifiableCredential"]]
    # A credential recorded after the newest checkpoint has no proof yet.
    proofs = inclusions_for_credentials(services, ids, newest) if newest else {}
    bundle["staffPassport"]["ledger"] = proofs
    bundle["staffPassport"]["noteVerifierKeys"] = verifier_keys(services)
    # A hint: a verifier uses it only if it is signed by a registry key the verifier pinned.
    bundle["staffPassport"]["registry"] = served_registry(services, at)
    return bundle
