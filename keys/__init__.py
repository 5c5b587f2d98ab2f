"""Key pairs, decentralised identifiers and the encrypted key store."""

from keys.did import (
    did_key,
    did_key_verification_method,
    did_web,
    did_web_document_url,
    resolve_did_key,
)
from keys.ed25519 import PublicKey, SigningKey
from keys.errors import (
    InvalidSignatureError,
    KeyNotFoundError,
    KeysError,
    KeyStorePassphraseError,
    MalformedKeyError,
    SealedDataError,
)
from keys.pseudonyms import Pseudonyms, normalise_identifier
from keys.sealing import DataKey, KeyWrapper
from keys.store import KeyStore

__all__ = [
    "DataKey",
    "InvalidSignatureError",
    "KeyNotFoundError",
    "KeyStore",
    "KeyStorePassphraseError",
    "KeyWrapper",
    "KeysError",
    "MalformedKeyError",
    "Pseudonyms",
    "PublicKey",
    "SealedDataError",
    "SigningKey",
    "did_key",
    "did_key_verification_method",
    "did_web",
    "did_web_document_url",
    "normalise_identifier",
    "resolve_did_key",
]
