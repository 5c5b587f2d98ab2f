"""Trust anchors and trusted registries: who the verifier believes, never the file it checks.

1. `TrustAnchors` are the registry keys (Multikey fingerprints, `z6Mk…`) the verifier chose.
2. `TrustedRegistry.from_document` accepts a registry credential only when its issuer is the
   did:key of a pinned key, its `eddsa-jcs-2022` proof holds for that key, and its version is
   not older than one already seen (rollback).
3. `Trust` combines the trusted registries with the verifier's policy: the keys, the issuer's
   recognition and alignment at issuance, and the ledger's note keys come only from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Self

from pydantic import ValidationError

from keys import MalformedKeyError, PublicKey, resolve_did_key
from verifier.eddsa_jcs_2022 import verify_proof
from verifier.errors import ProofError, VerifierError
from verifier.keyset import KeyInfo, KeySet, controller_of
from verifier.registry import REGISTRY_TYPE, RecognisedEntity, RegistrySubject

HOW_TO_TRUST = (
    "to trust an issuer, pin the registry that recognises it: "
    "passport trust add URL --fingerprint KEY (ask the registry's operator for its key)"
)


class RegistryError(VerifierError):
    """A registry document this verifier refuses; the message says why and what to do."""


class Policy(StrEnum):
    """What decides a verification: the trusted registries, or the proof alone."""

    REGISTRY = "registry"
    PROOF_ONLY = "proof-only"


@dataclass(frozen=True)
class TrustAnchors:
    """The registry keys this verifier chose to trust, by Multikey fingerprint."""

    fingerprints: frozenset[str]

    @classmethod
    def of(cls, *fingerprints: str) -> Self:
        """Anchors from fingerprints (`z6Mk…`, or a `did:key:z6Mk…`)."""
        return cls(frozenset(f.removeprefix("did:key:").split("#", 1)[0] for f in fingerprints))


def _registry_key(document: Mapping[str, Any], anchors: TrustAnchors) -> PublicKey:
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer, str) or not issuer.startswith("did:key:"):
        raise RegistryError(f"the registry's issuer {issuer!r} is not a did:key")
    fingerprint = issuer.removeprefix("did:key:")
    if fingerprint not in anchors.fingerprints:
        raise RegistryError(
            f"the registry is signed by {fingerprint}, which is not a pinned registry key; "
            "pin it only if its operator confirms it: passport trust add … --fingerprint KEY"
        )
    try:
        return resolve_did_key(issuer)
    except MalformedKeyError as exc:
        raise RegistryError(f"the registry's issuer is not a usable did:key: {exc}") from exc


@dataclass(frozen=True)
class TrustedRegistry:
    """A registry document that chains to a trust anchor, read into what the checks need."""

    version: int
    name: str
    url: str
    signer: str
    note_keys: tuple[str, ...]
    entities: Mapping[str, RecognisedEntity]
    document: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_document(
        cls,
        document: Mapping[str, Any],
        anchors: TrustAnchors,
        *,
        last_seen_version: int | None = None,
    ) -> Self:
        """The registry, if it is signed by a pinned key and not older than `last_seen_version`;
        else `RegistryError`."""
        if not isinstance(document, Mapping):
            raise RegistryError("the registry is not a JSON object")
        types = document.get("type")
        if not isinstance(types, list) or REGISTRY_TYPE not in types:
            raise RegistryError(f"the document is not a registry (its type lacks {REGISTRY_TYPE})")
        key = _registry_key(document, anchors)
        proof = document.get("proof")
        method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
        if not isinstance(method, str) or controller_of(method) != document.get("issuer"):
            raise RegistryError("the registry's proof is not made with its issuer's key")
        try:
            verify_proof(dict(document), key)
        except ProofError as exc:
            raise RegistryError(f"the registry's signature does not hold: {exc}") from exc
        try:
            subject = RegistrySubject.model_validate(document.get("credentialSubject"))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RegistryError(f"the registry is malformed at {where}: {first['msg']}") from None
        if last_seen_version is not None and subject.version < last_seen_version:
            raise RegistryError(
                f"registry version {subject.version} is older than version {last_seen_version} "
                "already seen: refusing a rollback"
            )
        return cls(
            version=subject.version,
            name=subject.name,
            url=subject.id,
            signer=key.multibase,
            note_keys=subject.note_verifier_keys,
            entities={e.id: e for e in subject.entities},
            document=document,
        )

    @cached_property
    def key_index(self) -> Mapping[str, KeyInfo]:
        """The keys its entities list, by verification method: read once per registry version,
        not once per credential."""
        keys: dict[str, KeyInfo] = {}
        for entity in self.entities.values():
            for key in entity.keys:
                if controller_of(key.id) != entity.id:
                    continue  # a key may only speak for the entity that lists it
                try:
                    public = PublicKey.from_multibase(key.public_key_multibase)
                except MalformedKeyError:
                    continue
                keys[key.id] = KeyInfo(
                    public, entity.id, key.valid_from, key.retired_at, entity.name
                )
        return keys

    @cached_property
    def names(self) -> Mapping[str, str]:
        """Each entity's name, by DID."""
        return {entity.id: entity.name for entity in self.entities.values()}


@dataclass(frozen=True)
class Recognition:
    """How the trusted registries judge an issuer for one credential."""

    recognised: bool
    problem: str | None
    reason: str
    issuer_name: str | None = None
    registry_name: str | None = None


def _when(moment: datetime) -> str:
    return f"{moment:%d %B %Y}"


def _aligned(entity: RecognisedEntity, kind: str | None, codes: set[str], at: datetime) -> bool:
    for alignment in entity.alignments:
        if at < alignment.start or (alignment.until is not None and at >= alignment.until):
            continue
        if alignment.achievement_type is not None and alignment.achievement_type != kind:
            continue
        if alignment.subject is not None and not any(
            c == alignment.subject or c.startswith(f"{alignment.subject}-L") for c in codes
        ):
            continue
        return True
    return False


def _standing(registry: TrustedRegistry, entity: RecognisedEntity, at: datetime) -> str | None:
    """Why the entity was not recognised at `at`, or None when it was."""
    who = f"{entity.name} ({entity.id})"
    if at < entity.recognised_from:
        return (
            f"issued {_when(at)}, before {registry.name} recognised {who} "
            f"({_when(entity.recognised_from)})"
        )
    if entity.derecognised_at is not None and at >= entity.derecognised_at:
        return (
            f"issued {_when(at)}, after {registry.name} stopped recognising {who} "
            f"({_when(entity.derecognised_at)})"
        )
    for pause in entity.suspensions:
        if pause.start <= at and (pause.until is None or at < pause.until):
            return f"issued {_when(at)}, while {registry.name} had suspended {who}"
    return None


def _judge(
    registry: TrustedRegistry,
    entity: RecognisedEntity,
    at: datetime | None,
    kind: str | None,
    codes: set[str],
) -> Recognition:
    def refused(problem: str, reason: str) -> Recognition:
        return Recognition(False, problem, reason, entity.name, registry.name)

    who = f"{entity.name} ({entity.id})"
    if entity.role != "issuer":
        return refused(
            "issuer_not_aligned", f"{registry.name} lists {who} as an accreditor, not an issuer"
        )
    if at is None:
        return refused(
            "issuer_not_recognised",
            f"the credential does not say when it was issued, so whether {registry.name} "
            f"recognised {who} then cannot be told",
        )
    why_not = _standing(registry, entity, at)
    if why_not is not None:
        return refused("issuer_not_recognised", why_not)
    if not _aligned(entity, kind, codes, at):
        what = kind or "this kind of credential"
        subjects = f" for {', '.join(sorted(codes))}" if codes else ""
        return refused(
            "issuer_not_aligned",
            f"{registry.name} recognises {who}, but not for {what}{subjects} on {_when(at)}",
        )
    reason = f"issued by {entity.name}, recognised by {registry.name}"
    return Recognition(True, None, reason, entity.name, registry.name)


def _endorsement_recognition(
    trust: Trust, issuer: str, credential: Mapping[str, Any], at: datetime | None
) -> Recognition | None:
    """An `EndorsementCredential` from a body a trusted registry recognised as an accrediting
    body when it was given is recognised as such (an "accreditor" issues nothing else); None
    lets the issuer rules judge it."""
    types = credential.get("type")
    if at is None or not isinstance(types, list) or "EndorsementCredential" not in types:
        return None
    for registry in trust.registries:
        entity = registry.entities.get(issuer)
        if entity is not None and trust.accredits(issuer, at):
            reason = f"endorsed by {entity.name}, an accrediting body recognised by {registry.name}"
            return Recognition(True, None, reason, entity.name, registry.name)
    return None


def achievement_facts(credential: Mapping[str, Any]) -> tuple[str | None, set[str]]:
    """The Open Badges `achievementType` and the alignment `targetCode`s a credential claims."""
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if not isinstance(achievement, Mapping):
        return None, set()
    kind = achievement.get("achievementType")
    alignments = achievement.get("alignment")
    codes = {
        str(a["targetCode"])
        for a in (alignments if isinstance(alignments, list) else [])
        if isinstance(a, Mapping) and isinstance(a.get("targetCode"), str)
    }
    return (kind if isinstance(kind, str) else None), codes


class Trust:
    """What a verifier trusts: registries that chain to its anchors, and its policy."""

    def __init__(
        self,
        registries: Iterable[TrustedRegistry] = (),
        policy: Policy = Policy.REGISTRY,
    ) -> None:
        self.registries = tuple(registries)
        self.policy = policy
        keys: dict[str, KeyInfo] = {}
        names: dict[str, str] = {}
        for registry in reversed(self.registries):  # the first registry wins a conflict
            keys.update(registry.key_index)
            names.update(registry.names)
        self.key_set = KeySet(keys, names)
        self.note_keys = [k for r in self.registries for k in r.note_keys]

    def with_policy(self, policy: Policy) -> Trust:
        """The same registries under another policy."""
        return Trust(self.registries, policy)

    def updated_with(self, document: Mapping[str, Any]) -> Trust:
        """These registries, each replaced by `document` when that is a newer version signed by
        the same pinned key (a registry copy that travels with a file); else unchanged."""
        if not document:
            return self
        updated = []
        for registry in self.registries:
            try:
                newer = TrustedRegistry.from_document(
                    document,
                    TrustAnchors.of(registry.signer),
                    last_seen_version=registry.version + 1,
                )
            except RegistryError:
                newer = None
            updated.append(newer if newer is not None and newer.url == registry.url else registry)
        return Trust(updated, self.policy) if updated != list(self.registries) else self

    def aligned_for(self, issuer: str, subject: str, at: datetime) -> bool:
        """Whether a trusted registry recognised the issuer on `at`, aligned for this subject
        (an alignment naming the subject, or naming no subject and no kind)."""
        for registry in self.registries:
            entity = registry.entities.get(issuer)
            if entity is None or entity.role != "issuer" or _standing(registry, entity, at):
                continue
            for alignment in entity.alignments:
                current = alignment.start <= at and (
                    alignment.until is None or at < alignment.until
                )
                unrestricted = alignment.subject is None and alignment.achievement_type is None
                if current and (unrestricted or alignment.subject == subject):
                    return True
        return False

    def accredits(self, endorser: str, at: datetime) -> bool:
        """Whether a trusted registry recognised `endorser` as an accrediting body at `at`
        (neither suspended nor derecognised then), so its endorsement is an accreditation."""
        for registry in self.registries:
            entity = registry.entities.get(endorser)
            if entity is None or _standing(registry, entity, at) is not None:
                continue
            if entity.role == "accreditor" or any(
                p.start <= at and (p.until is None or at < p.until) for p in entity.accrediting
            ):
                return True
        return False

    def lists_key(self, method: str) -> bool:
        """Whether a trusted registry lists this verification method."""
        return self.key_set.has(method)

    def recognition(
        self, issuer: str, credential: Mapping[str, Any], issued_at: datetime | None
    ) -> Recognition:
        """Whether a trusted registry recognised the issuer, for this credential's kind, when it
        was issued. The first registry that recognises it decides; otherwise the first that
        lists it says why not."""
        endorsed = _endorsement_recognition(self, issuer, credential, issued_at)
        if endorsed is not None:
            return endorsed
        kind, codes = achievement_facts(credential)
        judged = [
            _judge(r, r.entities[issuer], issued_at, kind, codes)
            for r in self.registries
            if issuer in r.entities
        ]
        for recognition in judged:
            if recognition.recognised:
                return recognition
        if judged:
            return judged[0]
        named = _claimed_name(credential)
        calls = f" (calling itself {named!r})" if named else ""
        if not self.registries:
            trusted = "this verifier trusts no registry"
        else:
            trusted = (
                "no registry this verifier trusts lists it ("
                + ", ".join(r.name for r in self.registries)
                + ")"
            )
        return Recognition(
            False,
            "issuer_not_recognised",
            f"the signature may be fine, but nobody this verifier trusts vouches for {issuer}"
            f"{calls}: {trusted}; {HOW_TO_TRUST}",
        )


def _claimed_name(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, Mapping) else None
    return name if isinstance(name, str) else None
