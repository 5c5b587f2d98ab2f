"""The checks after a credential's proof: issuer, key at issuance, validity, status, ledger, DID."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from verifier import checks
from verifier.did_web import did_document_check
from verifier.keyset import KeyInfo
from verifier.related import related_resources
from verifier.report import CheckResult
from verifier.trust import Policy
from verifier.verify_context import LATER_CHECKS, Context


def after_proof(
    credential: Mapping[str, Any],
    method: str,
    key: KeyInfo | None,
    issued_at: datetime | None,
    ctx: Context,
    token: str | None = None,
    jwt_dates: Mapping[str, datetime] | None = None,
) -> list[CheckResult]:
    """Every check that follows the proof, for a proof made (or claimed made) by `method`; `key`
    is None when the proof could not be checked, and the later checks are then not made.
    `jwt_dates` are a `vc+jwt`'s NumericDate claims as read (`verifier.jose.numeric_dates`)."""
    issuer = checks.issuer_id(credential) or ""
    return [
        *_registry_checks(credential, issuer, method, key, issued_at, ctx, token, jwt_dates),
        *_did_document(issuer, method, ctx),
    ]


def _did_document(issuer: str, method: str, ctx: Context) -> list[CheckResult]:
    """The `did_document` check, online, for a did:web issuer a trusted registry lists (never
    for any other: an untrusted file cannot make the verifier fetch anything)."""
    if ctx.did_documents is None or not issuer.startswith("did:web:"):
        return []
    if not any(issuer in r.entities for r in ctx.trust.registries):
        return []
    fetched = ctx.did_documents(issuer)
    if fetched is None:
        return []
    check = did_document_check(issuer, method, fetched, ctx.trust)
    return [replace(check, decides=check.decides and ctx.trust.policy is Policy.REGISTRY)]


def _registry_checks(
    credential: Mapping[str, Any],
    issuer: str,
    method: str,
    key: KeyInfo | None,
    issued_at: datetime | None,
    ctx: Context,
    token: str | None,
    jwt_dates: Mapping[str, datetime] | None,
) -> list[CheckResult]:
    recognition = ctx.trust.recognition(issuer, credential, issued_at)
    results = [checks.issuer_controls_key(credential, method, recognition, ctx.trust.policy)]
    if key is None:
        later = [checks.not_checked(c, "the proof could not be checked") for c in LATER_CHECKS[2:]]
        if method and not method.startswith("did:key:") and not ctx.trust.lists_key(method):
            return [*results, checks.key_not_listed(issuer, method), *later]
        unchecked = checks.not_checked(LATER_CHECKS[1], "the proof could not be checked")
        return [*results, unchecked, *later]
    ident = credential.get("id")
    recorded = ctx.statuses.get(ident) if isinstance(ident, str) else None
    related = related_resources(credential)
    return [
        *results,
        *([related] if related is not None else []),
        checks.key_valid_at(key, issued_at),
        checks.validity_period(
            credential,
            ctx.now,
            not_before=jwt_dates.get("nbf") if jwt_dates else None,
            expires=jwt_dates.get("exp") if jwt_dates else None,
        ),
        checks.status(credential, recorded, lists=ctx.lists, keys=ctx.keys, now=ctx.now),
        checks.ledger_inclusion(
            credential,
            ctx.ledger.proofs.get(ident) if ctx.ledger and isinstance(ident, str) else None,
            ctx.trust.note_keys,
            token,
        ),
    ]
