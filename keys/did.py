"""did:key (offline) and did:web identifiers for Ed25519 keys."""

import re
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from keys.ed25519 import PublicKey
from keys.errors import MalformedKeyError

DID_KEY_PREFIX = "did:key:"
# A DNS name (or IPv4 address) and an optional port: no user info, no IPv6 literal.
_AUTHORITY = re.compile(r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::(?P<port>[0-9]{1,5}))?")


def did_key(public_key: PublicKey) -> str:
    """The did:key DID of a public key (`did:key:z6Mk…`)."""
    return DID_KEY_PREFIX + public_key.multibase


def did_key_verification_method(public_key: PublicKey) -> str:
    """The verification method id of a did:key: `did:key:z6Mk…#z6Mk…`."""
    return f"{did_key(public_key)}#{public_key.multibase}"


@lru_cache(maxsize=1024)
def resolve_did_key(did_or_method: str) -> PublicKey:
    """The public key a did:key DID (or one of its verification method ids) stands for.

    Resolution is pure computation (W3C did:key method): it never touches the network, and
    the same identifier always gives the same key, so recent answers are kept.
    """
    if not did_or_method.startswith(DID_KEY_PREFIX):
        raise MalformedKeyError(f"not a did:key identifier: {did_or_method[:40]!r}")
    did, _, fragment = did_or_method.partition("#")
    fingerprint = did.removeprefix(DID_KEY_PREFIX)
    if fragment and fragment != fingerprint:
        raise MalformedKeyError("did:key fragment does not match the key fingerprint")
    return PublicKey.from_multibase(fingerprint)


def did_web(base_url: str, *path: str) -> str:
    """The did:web DID for a document at `base_url` + path (W3C did:web, colons for '/')."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise MalformedKeyError(f"base URL has no host: {base_url!r}")
    host = quote(parts.netloc, safe="")
    segments = [s for s in parts.path.split("/") if s] + list(path)
    return ":".join(["did:web", host, *(quote(s, safe="") for s in segments)])


@lru_cache(maxsize=1024)
def did_web_document_url(did: str) -> str:
    """Where a did:web DID's document is read from (W3C did:web, "Read (Resolve)"): the host,
    its port percent-encoded as `%3A`, then the path's colons as slashes and `/did.json`, or
    `/.well-known/did.json` when the DID has no path. `MalformedKeyError` for anything else."""
    if not did.startswith("did:web:") or any(c in did for c in "#?/@\\ "):
        raise MalformedKeyError(f"not a did:web DID: {did[:80]!r}")
    host, *segments = did.removeprefix("did:web:").split(":")
    authority = unquote(host)
    found = _AUTHORITY.fullmatch(authority)
    if found is None or not 0 < int(found["port"] or 443) < 65536:
        raise MalformedKeyError(f"did:web DID {did[:80]!r} does not name a host")
    path = [unquote(s) for s in segments]
    if any(s in ("", ".", "..") or "/" in s for s in path):
        raise MalformedKeyError(f"did:web DID {did[:80]!r} has an unusable path")
    tail = (
        "/".join(quote(s, safe="") for s in path) + "/did.json" if path else ".well-known/did.json"
    )
    return f"https://{authority}/{tail}"
