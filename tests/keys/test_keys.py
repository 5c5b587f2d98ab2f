"""Keys: Multikey and did:key encodings against the W3C vectors, JWK, the encrypted key store."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import (
    InvalidSignatureError,
    KeyNotFoundError,
    KeyStore,
    KeyStorePassphraseError,
    MalformedKeyError,
    PublicKey,
    SigningKey,
    did_key,
    did_key_verification_method,
    did_web,
    did_web_document_url,
    resolve_did_key,
)

VECTORS = Path(__file__).parents[1] / "data" / "vc-di-eddsa"


@pytest.fixture
def vector_key_pair() -> dict[str, str]:
    return json.loads((VECTORS / "keyPair.json").read_text())


def test_vector_private_key_yields_the_published_public_multikey(vector_key_pair):
    """The W3C EdDSA vectors' private Multikey opens to the public key they publish."""
    key = SigningKey.from_private_multibase(vector_key_pair["privateKeyMultibase"])
    assert key.public_key.multibase == vector_key_pair["publicKeyMultibase"]
    assert key.public_key.multibase.startswith("z6Mk")


def test_did_key_resolves_offline_to_the_same_key(vector_key_pair):
    """A did:key and its verification method id resolve to the key they encode, with no lookup."""
    public = PublicKey.from_multibase(vector_key_pair["publicKeyMultibase"])
    method = did_key_verification_method(public)
    assert method == f"did:key:{public.multibase}#{public.multibase}"
    assert resolve_did_key(method) == public
    assert resolve_did_key(did_key(public)) == public


def test_did_key_with_a_foreign_fragment_is_refused(vector_key_pair):
    """A verification method whose fragment is not the key's own fingerprint is malformed."""
    public = PublicKey.from_multibase(vector_key_pair["publicKeyMultibase"])
    with pytest.raises(MalformedKeyError):
        resolve_did_key(f"{did_key(public)}#z6MkOther")


def test_did_web_encodes_port_and_path_as_the_method_spec_says():
    """did:web percent-encodes the port's colon and turns path slashes into colons."""
    assert did_web("https://passport.example.nhs.uk", "issuers", "nhsda") == (
        "did:web:passport.example.nhs.uk:issuers:nhsda"
    )
    assert did_web("http://localhost:8000/") == "did:web:localhost%3A8000"


def test_signature_verifies_and_a_changed_message_does_not():
    """A signature verifies for its message only; failure is an exception, not a boolean."""
    key = SigningKey.generate()
    signature = key.sign(b"training completed")
    key.public_key.verify(signature, b"training completed")
    with pytest.raises(InvalidSignatureError):
        key.public_key.verify(signature, b"training completed!")


# RFC 8032 §7.1, TEST 1 and TEST 2: secret key, public key, message, signature (hex).
RFC8032_TESTS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_TESTS)
def test_rfc8032_vectors_sign_and_verify(secret, public, message, signature):
    key = SigningKey.from_seed(bytes.fromhex(secret))
    assert key.public_key.raw.hex() == public
    assert key.sign(bytes.fromhex(message)).hex() == signature
    key.public_key.verify(bytes.fromhex(signature), bytes.fromhex(message))
    with pytest.raises(InvalidSignatureError):
        key.public_key.verify(bytes.fromhex(signature), bytes.fromhex(message) + b"!")


def test_a_small_order_key_cannot_sign_every_message_at_once():
    """Under the identity point as public key, R = identity and S = 0 satisfy the verification
    equation for any message (OpenSSL accepts it); our verifier refuses such keys."""
    identity = bytes([1]) + bytes(31)
    forgery = identity + bytes(32)
    for message in (b"revoked", b"not revoked"):
        with pytest.raises(InvalidSignatureError):
            PublicKey(identity).verify(forgery, message)


def test_a_signature_of_the_wrong_length_does_not_verify():
    key = SigningKey.generate()
    signature = key.sign(b"m")
    for wrong in (signature[:63], signature + b"\0", b""):
        with pytest.raises(InvalidSignatureError):
            key.public_key.verify(wrong, b"m")


def test_jwk_is_rfc8037_and_usable_by_a_standard_jwt_library():
    """The exported JWK is public only and pyjwt verifies an EdDSA token with it."""
    key = SigningKey.generate()
    jwk = key.public_key.jwk()
    assert set(jwk) == {"kty", "crv", "x"}
    token = jwt.encode({"sub": "x"}, key.to_cryptography(), algorithm="EdDSA")
    loaded = jwt.PyJWK(jwk).key
    assert jwt.decode(token, loaded, algorithms=["EdDSA"]) == {"sub": "x"}
    assert PublicKey.from_jwk(jwk) == key.public_key


def test_key_store_keeps_private_keys_encrypted_at_rest(tmp_path):
    """The key file on disk is encrypted PKCS#8 and holds no raw private bytes."""
    store = KeyStore(tmp_path, "s3cret passphrase")
    public = store.generate()
    pem = (tmp_path / f"{public.multibase}.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert oct((tmp_path / f"{public.multibase}.pem").stat().st_mode & 0o777) == "0o600"
    reopened = KeyStore(tmp_path, "s3cret passphrase")
    assert reopened.signer(public.multibase).public_key == public
    assert "PRIVATE" not in repr(reopened.signer(public.multibase))


def test_key_store_refuses_a_missing_or_wrong_passphrase_clearly(tmp_path):
    """No passphrase, or a wrong one, is an error that names the setting to fix."""
    with pytest.raises(KeyStorePassphraseError, match="PASSPORT_KEY_PASSPHRASE"):
        KeyStore(tmp_path, None)
    public = KeyStore(tmp_path, "right").generate()
    with pytest.raises(KeyStorePassphraseError, match="does not open"):
        KeyStore(tmp_path, "wrong").signer(public.multibase)


def test_unknown_key_id_is_not_found(tmp_path):
    """Asking for a key the store does not hold (or a path trick) says so."""
    store = KeyStore(tmp_path, "p")
    with pytest.raises(KeyNotFoundError):
        store.signer("z6MkNotThere")
    with pytest.raises(KeyNotFoundError):
        store.signer("../etc/passwd")


def test_rotating_a_role_keeps_earlier_keys_listed(tmp_path):
    """After rotation the new key is current and the old one is still trusted for old work."""
    store = KeyStore(tmp_path, "p")
    first = store.current_for_role("ledger")
    assert store.current_for_role("ledger") == first
    second = store.rotate_role("ledger").multibase
    assert store.role_keys("ledger") == [first, second]
    assert store.current_for_role("ledger") == second


def test_a_did_web_document_is_read_where_the_method_spec_says():
    """W3C did:web "Read": no path → /.well-known/did.json; a path's colons become slashes
    and /did.json follows; `%3A` is the port (the spec's own examples)."""
    assert did_web_document_url("did:web:w3c-ccg.github.io") == (
        "https://w3c-ccg.github.io/.well-known/did.json"
    )
    assert did_web_document_url("did:web:w3c-ccg.github.io:user:alice") == (
        "https://w3c-ccg.github.io/user/alice/did.json"
    )
    assert did_web_document_url("did:web:example.com%3A3000:user:alice") == (
        "https://example.com:3000/user/alice/did.json"
    )


@pytest.mark.parametrize(
    "did",
    [
        "did:web:user%40evil.example",  # user info would change who is asked
        "did:web:example.com%2Fevil",
        "did:web:example.com:..:admin",
        "did:web:example.com:a%2Fb",
        "did:web:example.com%3A0",
        "did:web:example.com#key-1",
        "did:web:",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ],
)
def test_a_did_that_would_not_name_one_https_host_is_refused(did):
    """A did:web that would reach another host, escape its path or name no host is refused."""
    with pytest.raises(MalformedKeyError):
        did_web_document_url(did)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=4096), st.binary(min_size=32, max_size=32))
def test_signatures_are_the_bytes_openssl_makes(message, seed):
    """Ed25519 is deterministic (RFC 8032 §5.1.6): our (libsodium) signature of any message is
    the one OpenSSL makes with the same key."""
    key = SigningKey.from_seed(seed)
    assert key.sign(message) == key.to_cryptography().sign(message)
