"""What a credential's verification knows besides the credential; how its report is assembled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verifier import checks
from verifier.checks import StatusLists
from verifier.did_web import DidDocuments
from verifier.keyset import KeySet
from verifier.report import CheckResult, CredentialReport
from verifier.trust import Policy, Trust

JWT_DATA_URL = "data:application/vc+jwt,"
LATER_CHECKS = ("issuer", "key_valid_at_issuance", "validity_period", "status", "ledger_inclusion")


@dataclass(frozen=True)
class ProofExpectations:
    """What the verifier's caller requires of an embedded proof (VC API verify options): its
    purpose, and the challenge and domain it must have been made for (Data Integrity §4.3)."""

    purpose: str = "assertionMethod"
    challenge: str | None = None
    domain: str | None = None

    def unmet_by_jwt(self) -> str | None:
        """A `vc+jwt` is made for assertion, for no challenge and no domain: why it cannot meet
        these expectations, or None when it can."""
        if self == _ANY_ASSERTION:  # the usual case, without building the list below
            return None
        asked = [
            f"{name} {value!r}"
            for name, value, default in (
                ("proof purpose", self.purpose, "assertionMethod"),
                ("challenge", self.challenge, None),
                ("domain", self.domain, None),
            )
            if value != default
        ]
        if not asked:
            return None
        return (
            f"the verifier requires {', '.join(asked)}; a vc+jwt carries no proof purpose, "
            "challenge or domain (VC-JOSE-COSE §3.1.1)"
        )

    def unmet(self, proof: Mapping[str, Any]) -> str | None:
        """Why the proof was not made as required, or None when it was (the signature, which
        covers these fields, is checked separately)."""
        for name, expected in (("challenge", self.challenge), ("domain", self.domain)):
            if expected is None:
                continue
            given = proof.get(name)
            # A proof's domain may be one string or a set of them (Data Integrity §2.1).
            if expected not in (given if isinstance(given, list) else [given]):
                return f"the verifier requires {name} {expected!r}; the proof has {given!r}"
        return None


_ANY_ASSERTION = ProofExpectations()


@dataclass(frozen=True)
class LedgerProofs:
    """Inclusion proofs by credential id (checked against the note keys the registry lists)."""

    proofs: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Context:
    """What one verification knows besides the credential: one clock, trust, statuses."""

    now: datetime
    trust: Trust
    statuses: Mapping[str, Mapping[str, Any]]
    lists: StatusLists | None
    ledger: LedgerProofs | None = None
    expect: ProofExpectations = ProofExpectations()
    did_documents: DidDocuments | None = None

    @property
    def keys(self) -> KeySet:
        """The keys the trusted registries list (did:keys are computed)."""
        return self.trust.key_set


def document_types(document: Mapping[str, Any]) -> list[Any]:
    """The `type` member as a list (VCDM 2.0 §4.5 allows one string)."""
    types = document.get("type")
    return types if isinstance(types, list) else [types]


def _name(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping):
        achievement = subject.get("achievement")
        if isinstance(achievement, Mapping) and isinstance(achievement.get("name"), str):
            return str(achievement["name"])
    name = credential.get("name")
    return name if isinstance(name, str) else None


def credential_report(
    credential: Any, form: str, results: list[CheckResult], policy: Policy = Policy.REGISTRY
) -> CredentialReport:
    """One credential's report: its id, name and issuer as far as it shows them, and `results`."""
    mapping = credential if isinstance(credential, Mapping) else {}
    ident = mapping.get("id")
    return CredentialReport(
        credential_id=ident if isinstance(ident, str) else None,
        name=_name(mapping),
        issuer=checks.issuer_id(mapping),
        form=form,
        checks=tuple(results),
        policy=policy.value,
    )
