"""Signed issuer registries for tests: what a verifier pins, built as an operator would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from keys import PublicKey, SigningKey, did_key
from passport.registry import WELL_KNOWN_PATH
from passport.services import REGISTRY_ROLE, Services
from verifier.registry import sign_registry, subject_document
from verifier.trust import Trust, TrustAnchors, TrustedRegistry

REGISTRY_URL = "https://registry.test/.well-known/passport-registry.json"
SIGNED_AT = datetime(2026, 1, 1, tzinfo=UTC)
SINCE = "2020-01-01T00:00:00Z"


def entity(
    did: str,
    name: str,
    keys: list[tuple[str, PublicKey]] = (),  # type: ignore[assignment]
    *,
    recognised_from: str = SINCE,
    alignments: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A recognised issuer entry; aligned for anything since it was recognised unless told."""
    return {
        "id": did,
        "name": name,
        "role": "issuer",
        "recognisedFrom": recognised_from,
        "alignments": alignments if alignments is not None else [{"from": recognised_from}],
        "keys": [
            {"id": method, "publicKeyMultibase": public.multibase, "validFrom": recognised_from}
            for method, public in keys
        ],
        **extra,
    }


def registry_document(
    key: SigningKey,
    entities: list[dict[str, Any]],
    *,
    version: int = 1,
    note_keys: list[str] = (),  # type: ignore[assignment]
    name: str = "Test Registry",
) -> dict[str, Any]:
    """A registry credential signed by `key`."""
    subject = subject_document(
        registry_id=REGISTRY_URL,
        version=version,
        name=name,
        note_verifier_keys=list(note_keys),
        entities=entities,
    )
    return sign_registry(subject, key, SIGNED_AT)


def trusting(key: SigningKey, entities: list[dict[str, Any]], **options: Any) -> Trust:
    """A verifier's trust: one registry of these entities, pinned by its key."""
    document = registry_document(key, entities, **options)
    return Trust(
        [TrustedRegistry.from_document(document, TrustAnchors.of(key.public_key.multibase))]
    )


def did_key_issuer(issuer: SigningKey, name: str = "Test Academy", **options: Any) -> Trust:
    """A verifier that trusts one registry recognising this did:key issuer."""
    return trusting(SigningKey.generate(), [entity(did_key(issuer.public_key), name, **options)])


def deployment_trust(http: Any, settings: Any) -> Trust:
    """An employer's trust in a running deployment: its registry fetched over HTTP, checked
    against the registry key learnt out of band (here, from the deployment's key store)."""
    services = Services.open(settings)
    try:
        fingerprints = services.key_store.role_keys(REGISTRY_ROLE)
    finally:
        services.close()
    document = http.get(WELL_KNOWN_PATH).json()
    return Trust([TrustedRegistry.from_document(document, TrustAnchors.of(*fingerprints))])
