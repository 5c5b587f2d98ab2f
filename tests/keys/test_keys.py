"""Keys: Multikey and did:key encodings against the W3C vectors, JWK, the encrypted key store."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest

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
