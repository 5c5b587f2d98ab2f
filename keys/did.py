"""did:key (offline) and did:web identifiers for Ed25519 keys."""

from functools import lru_cache
from urllib.parse import quote, urlsplit

from keys.ed25519 import PublicKey
from keys.errors import MalformedKeyError

DID_KEY_PREFIX = "did:key:"


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
