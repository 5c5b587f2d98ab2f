"""Verifies credentials, presentations and passport files offline, as named checks."""

from verifier.errors import MalformedInputError, ProofError, VerifierError
from verifier.keyset import KeyInfo, KeySet, UnknownKeyError
from verifier.report import CheckResult, CredentialReport, DocumentReport, Outcome
from verifier.verify import verify_credential, verify_document

__all__ = [
    "CheckResult",
    "CredentialReport",
    "DocumentReport",
    "KeyInfo",
    "KeySet",
    "MalformedInputError",
    "Outcome",
    "ProofError",
    "UnknownKeyError",
    "VerifierError",
    "verify_credential",
    "verify_document",
]
