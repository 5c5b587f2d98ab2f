"""Server-side verification: the verifier, given this ledger's own registry, statuses and lists.

The deployment trusts its own registry without being told (`passport.registry.own_trust`), under
the policy it was configured with (`PASSPORT_VERIFY_POLICY`). A credential naming an issuer
registered on this ledger must also be recorded in it: the server looks it up, so a credential
signed with a retired key, never recorded, is refused even though its signature holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from passport.did_web import DidWebFetcher
from passport.publishing import LedgerStatusLists
from passport.registry import own_trust
from passport.services import Services
from projections.views import Views
from verifier import CredentialReport, Policy, verify_credential
from verifier.checks import StatusLists
from verifier.errors import ProofError
from verifier.jose import credential_of, parse_compact
from verifier.report import CheckResult, Outcome
from verifier.timestamps import xsd_datetime
from verifier.verify import ProofExpectations

LEDGER_LISTS = "the issuer's status list published by this ledger"
RECORDED = "Recorded in the ledger"


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


def _as_recorded(
    views: Views, credential: Mapping[str, Any] | str, report: CredentialReport
) -> CheckResult:
    """Whether this ledger recorded this very credential (embedded or JWT form)."""
    token = credential if isinstance(credential, str) else None
    if token is None and isinstance(credential, Mapping):
        ident = credential.get("id")
        if isinstance(ident, str) and ident.startswith("data:application/vc+jwt,"):
            token = ident.removeprefix("data:application/vc+jwt,")
    try:
        document = credential_of(parse_compact(token)) if token is not None else credential
    except ProofError:
        document = {}
    ident = document.get("id") if isinstance(document, Mapping) else None
    recorded = views.recorded_forms(ident) if isinstance(ident, str) else None
    if recorded is None:
        reason = (
            f"{report.issuer} is registered on this ledger, but this ledger never recorded "
            "this credential"
        )
        return CheckResult("ledger_inclusion", RECORDED, Outcome.FAILED, reason, "not_in_ledger")
    same = recorded[1] == token if token is not None else recorded[0] == dict(credential)  # type: ignore[arg-type]
    if not same:
        reason = "this ledger recorded a different credential under this id"
        return CheckResult("ledger_inclusion", RECORDED, Outcome.FAILED, reason, "not_in_ledger")
    return CheckResult("ledger_inclusion", RECORDED, Outcome.PASSED, "recorded in this ledger")


_FETCHERS: dict[tuple[Path | None, str], DidWebFetcher] = {}
_FETCHERS_LOCK = threading.Lock()


def did_documents(services: Services) -> DidWebFetcher:
    """The server's did:web fetcher (one per configuration, so its cache lasts between
    requests). Documents this ledger publishes itself are not fetched: they say what the
    ledger, and so its registry, already says."""
    own_host = urlsplit(services.settings.base_url).netloc
    key = (services.settings.fetch_ca_file, own_host)
    with _FETCHERS_LOCK:
        fetcher = _FETCHERS.get(key)
        if fetcher is None:
            fetcher = _FETCHERS[key] = DidWebFetcher(key[0], skip_hosts={own_host})
    return fetcher


def ledger_verifier(
    services: Services, now: datetime, expect: ProofExpectations | None = None
) -> Callable[[Mapping[str, Any] | str], CredentialReport]:
    """A verifier of credentials with our own registry, our statuses and our status lists,
    built here (once, for all the credentials it is given), never fetched."""
    trust = own_trust(services, now, Policy(services.settings.verify_policy))
    ours = {i.did for i in services.views.issuers()}
    statuses = RecordedStatuses(services.views, now)
    status_lists = StatusLists(LedgerStatusLists(services), LEDGER_LISTS)
    documents = did_documents(services)

    def verify(credential: Mapping[str, Any] | str) -> CredentialReport:
        report = verify_credential(
            credential,
            now=now,
            trust=trust,
            statuses=statuses,
            status_lists=status_lists,
            expect=expect,
            did_documents=documents,
        )
        if report.issuer not in ours or report.check("proof").outcome is not Outcome.PASSED:
            return report
        recorded = _as_recorded(services.views, credential, report)
        return replace(
            report,
            checks=tuple(recorded if c.id == "ledger_inclusion" else c for c in report.checks),
        )

    return verify


def verify_against_ledger(
    services: Services, credential: Mapping[str, Any] | str, now: datetime
) -> CredentialReport:
    """Verify one credential as `ledger_verifier` does."""
    return ledger_verifier(services, now)(credential)
