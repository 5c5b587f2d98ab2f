"""Keys the verifier looks up: did:key computed, others only from a key set it was given."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from keys import MalformedKeyError, PublicKey, resolve_did_key
from verifier.errors import VerifierError


class UnknownKeyError(VerifierError, LookupError):
    """The verification method is neither a did:key nor in the key set."""


@dataclass(frozen=True)
class KeyInfo:
    """A public key, who controls it, and the period in which it could sign."""

    public_key: PublicKey
    controller: str
    valid_from: datetime | None = None
    retired_at: datetime | None = None
    issuer_name: str | None = None


def parse_time(value: object) -> datetime | None:
    """An XML Schema dateTime (with `Z` or an offset), or None when absent or unreadable."""
    return _parsed_time(str(value)) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)  # a verification reads a dozen times, most of them seen before
def _parsed_time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def controller_of(method_id: str) -> str:
    """The DID that controls a verification method (the part before `#`)."""
    return method_id.split("#", 1)[0]


class KeySet:
    """Keys by verification method id, plus the issuers they belong to."""

    def __init__(
        self, keys: Mapping[str, KeyInfo] | None = None, issuers: Mapping[str, str] | None = None
    ) -> None:
        self._keys = dict(keys or {})
        self._issuers = dict(issuers or {})
        self._by_controller: dict[str, dict[str, KeyInfo]] = {}
        for method, info in self._keys.items():
            self._by_controller.setdefault(info.controller, {})[method] = info

    @classmethod
    def from_issuers(cls, issuers: Iterable[Any]) -> Self:
        """From a list of `{id, name, keys: [{id, …}]}` the caller chose to trust (never a file's
        own list: a holder can write any key there)."""
        keys: dict[str, KeyInfo] = {}
        names: dict[str, str] = {}
        for issuer in issuers:
            did = issuer.get("id") if isinstance(issuer, Mapping) else None
            if not isinstance(did, str):
                continue  # an entry that is not an issuer object vouches for nothing
            names[did] = str(issuer.get("name") or did)
            listed = issuer.get("keys")
            for key in listed if isinstance(listed, list) else ():
                if not isinstance(key, Mapping):
                    continue
                method, multibase = key.get("id"), key.get("publicKeyMultibase")
                if not isinstance(method, str) or controller_of(method) != did:
                    continue  # a key may only speak for the issuer that lists it
                try:
                    public = PublicKey.from_multibase(str(multibase))
                except MalformedKeyError:
                    continue
                keys[method] = KeyInfo(
                    public,
                    did,
                    parse_time(key.get("validFrom")),
                    parse_time(key.get("retiredAt")),
                    names[did],
                )
        return cls(keys, names)

    def resolve(self, method_id: str) -> KeyInfo:
        """The key a verification method names, or `UnknownKeyError`."""
        if method_id.startswith("did:key:"):
            try:
                return KeyInfo(resolve_did_key(method_id), controller_of(method_id))
            except MalformedKeyError as exc:
                raise UnknownKeyError(f"unusable did:key {method_id}: {exc}") from exc
        try:
            return self._keys[method_id]
        except KeyError:
            raise UnknownKeyError(
                f"no registry this verifier trusts lists the key {method_id}"
            ) from None

    def has(self, method_id: str) -> bool:
        """Whether the set lists this verification method (computed did:keys are not listed)."""
        return method_id in self._keys

    def keys_of(self, did: str) -> Mapping[str, KeyInfo]:
        """Every key the set lists for this controller, by verification method id."""
        return self._by_controller.get(did, {})

    def issuer_name(self, did: str) -> str | None:
        """The issuer's name, when the key set has it."""
        return self._issuers.get(did)
