"""Verifies credentials, presentations and passport files offline, as named checks."""

from verifier.errors import MalformedInputError, ProofError, VerifierError
from verifier.keyset import KeyInfo, KeySet, UnknownKeyError
from verifier.presentation import PresentationReport, presentation_checks, sign_presentation
from verifier.report import CheckResult, CredentialReport, DocumentReport, Outcome
from verifier.trust import Policy, RegistryError, Trust, TrustAnchors, TrustedRegistry
from verifier.verify import verify_credential, verify_document, verify_presentation

__all__ = [
    "CheckResult",
    "CredentialReport",
    "DocumentReport",
    "KeyInfo",
    "KeySet",
    "MalformedInputError",
    "Outcome",
    "Policy",
    "PresentationReport",
    "ProofError",
    "RegistryError",
    "Trust",
    "TrustAnchors",
    "TrustedRegistry",
    "UnknownKeyError",
    "VerifierError",
    "presentation_checks",
    "sign_presentation",
    "verify_credential",
    "verify_document",
    "verify_presentation",
]
