"""Whether a recognised did:web issuer's own DID document agrees with the trusted registry.

The document is fetched elsewhere (the verifier opens no connection): a caller that may go
online passes `DidDocuments`, asked only for DIDs a trusted registry lists. The registry stays
the source of keys: a key only the document lists is not trusted (`key_not_listed`), a signing
key the registry lists but the issuer's own document does not is refused
(`key_not_in_did_document`), and a document that cannot be fetched leaves the registry's word,
reported as "cannot check online".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from keys import MalformedKeyError, PublicKey
from verifier.report import CheckResult, Outcome
from verifier.trust import Trust

CHECK_ID = "did_document"
CHECK_NAME = "Issuer's own DID document agrees"


@dataclass(frozen=True)
class DidDocumentFetch:
    """A did:web document as fetched: the document, or why there is none."""

    url: str
    document: Mapping[str, Any] | None = None
    problem: str | None = None


# None: this DID's document is not fetched (e.g. the ledger itself publishes it).
DidDocuments = Callable[[str], DidDocumentFetch | None]


def document_keys(document: Mapping[str, Any], did: str) -> dict[str, PublicKey]:
    """The Ed25519 Multikeys a DID document lists for `did`, by absolute method id."""
    methods = document.get("verificationMethod")
    found: dict[str, PublicKey] = {}
    for method in methods if isinstance(methods, list) else ():
        if not isinstance(method, Mapping):
            continue
        ident, controller = method.get("id"), method.get("controller", did)
        if not isinstance(ident, str) or controller != did:
            continue
        ident = f"{did}{ident}" if ident.startswith("#") else ident
        if ident.split("#", 1)[0] != did:
            continue
        try:
            found[ident] = PublicKey.from_multibase(str(method.get("publicKeyMultibase")))
        except MalformedKeyError:
            continue
    return found


def _listed(trust: Trust, did: str) -> dict[str, PublicKey]:
    return {method: info.public_key for method, info in trust.key_set.keys_of(did).items()}


def did_document_check(
    did: str, method: str, fetched: DidDocumentFetch, trust: Trust
) -> CheckResult:
    """How the issuer's DID document bears on the key `method` that signed the credential."""

    def result(outcome: Outcome, reason: str, problem: str | None = None) -> CheckResult:
        decides = outcome is not Outcome.UNKNOWN  # cannot check online: the registry decides
        return CheckResult(CHECK_ID, CHECK_NAME, outcome, reason, problem, decides)

    if fetched.document is None:
        return result(
            Outcome.UNKNOWN,
            f"cannot check online: {fetched.problem or 'no document'}; "
            "the keys the trusted registry lists decide",
        )
    if fetched.document.get("id") != did:
        return result(
            Outcome.FAILED,
            f"the document at {fetched.url} is not {did}'s (its id is "
            f"{fetched.document.get('id')!r})",
            "key_not_in_did_document",
        )
    published = document_keys(fetched.document, did)
    listed = _listed(trust, did)
    unlisted = sorted(m for m in published if listed.get(m) != published[m])
    missing = sorted(m for m in listed if published.get(m) != listed[m])
    notes = ""
    if unlisted:
        notes += f"; not trusted, as no registry lists them: {', '.join(unlisted)}"
    if missing:
        notes += f"; listed by the registry but missing from the document: {', '.join(missing)}"
    if method in published and method in unlisted:
        return result(
            Outcome.FAILED,
            f"{fetched.url} lists {method}, but no registry this verifier trusts does{notes}",
            "key_not_listed",
        )
    if method not in published:
        problem = "key_not_in_did_document" if method in listed else "key_not_listed"
        return result(
            Outcome.FAILED,
            f"the issuer's own document at {fetched.url} does not list {method}, which signed "
            f"this credential{notes}",
            problem,
        )
    return result(
        Outcome.PASSED,
        f"{fetched.url} lists {method}, as the trusted registry does{notes}",
    )
