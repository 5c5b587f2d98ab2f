"""This ledger's issuer registry, published signed and versioned, and the trust it gives us.

The registry's content comes from the `projections.registry` read model and the ledger's note
keys; its version is the number of events that changed the registry plus the number of note
keys, both of which only grow, so each change of content has a higher version. Each version is
signed once by the key store's `registry` key and kept (`registry_versions`), never rebuilt.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from events.registry import ROLES, NotRecognisedError
from keys import PublicKey
from passport.log import verifier_keys
from passport.services import REGISTRY_ROLE, Services, utcnow
from verifier.registry import REGISTRY_CONTEXT, sign_registry, subject_document
from verifier.trust import Policy, Trust, TrustAnchors, TrustedRegistry

WELL_KNOWN_PATH = "/.well-known/passport-registry.json"


def registry_url(services: Services) -> str:
    """Where this ledger publishes its registry (the registry's subject id)."""
    return f"{services.settings.base_url}{WELL_KNOWN_PATH}"


def registry_name(services: Services) -> str:
    """The registry's name in reports: "Staff Passport registry at HOST"."""
    return f"Staff Passport registry at {urlsplit(services.settings.base_url).netloc}"


def registry_fingerprints(services: Services) -> list[str]:
    """The Multikey fingerprints of every key that has signed this registry, oldest first."""
    return services.key_store.role_keys(REGISTRY_ROLE)


def current_version(services: Services) -> int:
    """The version the registry has now (two small reads; no table scan)."""
    services.refresh()
    return services.views.registry_changes() + len(verifier_keys(services))


def published_registry(services: Services, at: datetime) -> dict[str, Any]:
    """The current registry document, signed and stored once per version (for writers: the CLI,
    a registry change, the server's elected signer; reads use `served_registry`)."""
    services.settle()
    version = current_version(services)
    stored = registry_version(services, version)
    if stored is not None and stored.get("@context") == REGISTRY_CONTEXT:
        return stored
    # Not yet published, or published in an older format (before the registry defined its own
    # terms, which eddsa-jcs-2022 now requires): a publication, not an event, so this version's
    # content is signed again in the current format and replaces the stored one.
    document = _signed(services, version, at)
    with services.read_models.transaction() as tx:
        tx.execute(
            "INSERT INTO registry_versions (version, document, published_at) VALUES (?, ?, ?) "
            "ON CONFLICT (version) DO UPDATE SET document = excluded.document, "
            "published_at = excluded.published_at WHERE registry_versions.document = ?",
            (version, json.dumps(document), at.isoformat(), json.dumps(stored)),
        )
    kept = registry_version(services, version)
    assert kept is not None  # inserted above, or by a concurrent request first
    return kept


def served_registry(services: Services, at: datetime) -> dict[str, Any]:
    """The current registry as a read serves it, writing nothing: its stored document, or (in
    the moments before the signer publishes a new version) the same signed but not kept."""
    version = current_version(services)
    return _current_format(registry_version(services, version)) or _signed(services, version, at)


def needs_publishing(services: Services) -> bool:
    """Whether the registry's current version is not yet stored in the current format."""
    return _current_format(registry_version(services, current_version(services))) is None


def _current_format(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    return stored if stored is not None and stored.get("@context") == REGISTRY_CONTEXT else None


def _signed(services: Services, version: int, at: datetime) -> dict[str, Any]:
    _, entities = services.views.registry()
    subject = subject_document(
        registry_id=registry_url(services),
        version=version,
        name=registry_name(services),
        note_verifier_keys=verifier_keys(services),
        entities=entities,
    )
    key = services.key_store.signer(services.key_store.current_for_role(REGISTRY_ROLE))
    return sign_registry(subject, key, at)


def registry_version(services: Services, version: int) -> dict[str, Any] | None:
    """A version of the registry as it was published, or None if it never was."""
    memo = services.read_models.memo()  # a share page asks twice: its trust and its file
    if memo is None or ("registry", version) not in memo:
        with services.read_models.read() as tx:
            rows = tx.execute(
                "SELECT document FROM registry_versions WHERE version = ?", (version,)
            )
        text: str | None = str(rows[0][0]) if rows else None
        if memo is not None and text is not None:  # not yet published: ask again next time
            memo["registry", version] = text
    else:
        text = memo["registry", version]
    return dict(json.loads(text)) if text is not None else None  # each caller its own copy


_TRUSTED: dict[tuple[str, int, str, Policy], Trust] = {}
_LOCK = threading.Lock()


def own_trust(services: Services, at: datetime, policy: Policy = Policy.REGISTRY) -> Trust:
    """What this deployment trusts without being told: its own registry, checked against its
    own registry keys like any other (read once per version, then kept)."""
    document = served_registry(services, at)
    signer = str(document["issuer"]).removeprefix("did:key:")
    key = (registry_url(services), int(document["credentialSubject"]["version"]), signer)
    with _LOCK:
        trust = _TRUSTED.get((*key, policy))
    if trust is None:
        anchors = TrustAnchors(frozenset(registry_fingerprints(services)))
        # One Trust per registry version and policy: its key index is built once, not per request.
        trust = Trust([TrustedRegistry.from_document(document, anchors)], policy)
        with _LOCK:
            if len(_TRUSTED) > 64:
                _TRUSTED.clear()
            _TRUSTED[(*key, policy)] = trust
    return trust


def fingerprint_of(document: dict[str, Any]) -> str:
    """The registry key's fingerprint, as an employer pins it."""
    return PublicKey.from_multibase(str(document["issuer"]).removeprefix("did:key:")).multibase


def _ensure_entry(services: Services, did: str) -> None:
    """An issuer registered on this ledger has a registry entry implicitly; the operator's first
    change to it records that recognition as an event, as of its registration."""
    if services.ledger.is_recognised(did):
        return
    services.settle()
    for issuer in services.views.issuers():
        if issuer.did == did:
            registered = services.ledger.issuer(UUID(issuer.id))
            services.ledger.recognise(
                did, registered.name, registered.url, "issuer", _registered_at(services, did)
            )
            return
    raise NotRecognisedError(did)


def _registered_at(services: Services, did: str) -> str:
    _, entities = services.views.registry()
    for entity in entities:
        if entity["id"] == did:
            return str(entity["recognisedFrom"])
    raise NotRecognisedError(did)


def recognise(
    services: Services,
    did: str,
    name: str,
    *,
    url: str | None,
    role: str,
    at: str,
    keys: list[dict[str, Any]],
    accredited_by: list[str],
) -> None:
    """Recognise an issuer or accrediting body from elsewhere (or record an implicit one)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    for key in keys:
        if not str(key.get("id", "")).startswith(f"{did}#"):
            raise ValueError(f"key {key.get('id')!r} is not a verification method of {did}")
        PublicKey.from_multibase(str(key.get("publicKeyMultibase")))
    services.ledger.recognise(did, name, url, role, at, keys=keys, accredited_by=accredited_by)
    published_registry(services, utcnow())


def align(
    services: Services,
    did: str,
    *,
    achievement_type: str | None,
    subject: str | None,
    start: str,
    until: str | None,
) -> None:
    """Recognise an entity for a kind of achievement and/or a subject from `start`."""
    _ensure_entry(services, did)
    services.ledger.change_recognition(
        did, lambda e: e.align(achievement_type, subject, start, until)
    )
    published_registry(services, utcnow())


def accredit(services: Services, did: str, *, start: str, until: str | None) -> None:
    """Recognise an entity (an issuer registered here, or one recognised from elsewhere) as an
    accrediting body from `start`: only then may it endorse through the API, and pages say
    "Accredited by" for what it endorses from then on."""
    _ensure_entry(services, did)
    services.ledger.change_recognition(did, lambda e: e.recognise_accrediting(start, until))
    published_registry(services, utcnow())


def suspend(services: Services, did: str, at: str, until: str | None) -> None:
    """Suspend an entity's recognition."""
    _ensure_entry(services, did)
    services.ledger.change_recognition(did, lambda e: e.suspend(at, until))
    published_registry(services, utcnow())


def reinstate(services: Services, did: str, at: str) -> None:
    """End an entity's open suspension."""
    _ensure_entry(services, did)
    services.ledger.change_recognition(did, lambda e: e.reinstate(at))
    published_registry(services, utcnow())


def derecognise(services: Services, did: str, at: str) -> None:
    """Stop recognising an entity from `at`."""
    _ensure_entry(services, did)
    services.ledger.change_recognition(did, lambda e: e.derecognise(at))
    published_registry(services, utcnow())
