"""Server-side verification: the verifier, given the ledger's issuer keys, statuses and lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from passport.export import issuers_document
from passport.publishing import LedgerStatusLists
from passport.services import Services
from projections.views import Views
from verifier import CredentialReport, KeySet, verify_credential
from verifier.checks import StatusLists
from verifier.timestamps import xsd_datetime
from verifier.verify import ProofExpectations

LEDGER_LISTS = "the issuer's status list published by this ledger"


class RecordedStatuses(Mapping[str, Mapping[str, Any]]):
    """Credential statuses as the ledger records them now, looked up only when asked for."""

    def __init__(self, views: Views, as_of: datetime) -> None:
        self._views = views
        self._as_of = xsd_datetime(as_of)

    def __getitem__(self, credential_id: str) -> Mapping[str, Any]:
        recorded = self._views.recorded_status(credential_id)
        if recorded is None:
            raise KeyError(credential_id)
        return {"status": recorded[0], "reason": recorded[1], "asOf": self._as_of}

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def ledger_verifier(
    services: Services, now: datetime, expect: ProofExpectations | None = None
) -> Callable[[Mapping[str, Any] | str], CredentialReport]:
    """A verifier of credentials with our issuers' key histories and our status lists, built
    here (once, for all the credentials it is given), never fetched."""
    key_set = KeySet.from_issuers(issuers_document(services.views))
    statuses = RecordedStatuses(services.views, now)
    status_lists = StatusLists(LedgerStatusLists(services), LEDGER_LISTS)

    def verify(credential: Mapping[str, Any] | str) -> CredentialReport:
        return verify_credential(
            credential,
            now=now,
            key_set=key_set,
            statuses=statuses,
            status_lists=status_lists,
            expect=expect,
        )

    return verify


def verify_against_ledger(
    services: Services, credential: Mapping[str, Any] | str, now: datetime
) -> CredentialReport:
    """Verify one credential as `ledger_verifier` does."""
    return ledger_verifier(services, now)(credential)
