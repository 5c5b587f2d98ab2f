"""A key store that keeps private keys encrypted at rest and hands out signers, never secrets."""

from __future__ import annotations

from pathlib import Path

from keys.ed25519 import PublicKey, SigningKey
from keys.errors import KeyNotFoundError, KeyStorePassphraseError


class KeyStore:
    """Private keys in a directory, one PKCS#8 file each, encrypted under one passphrase.

    A key's id is its Multikey fingerprint (`z6Mk…`), so the id alone names the public key.
    """

    def __init__(self, directory: Path, passphrase: str | None) -> None:
        if not passphrase:
            raise KeyStorePassphraseError(
                "no key-store passphrase: set PASSPORT_KEY_PASSPHRASE "
                "(in the environment or the .env file)"
            )
        self._directory = directory
        self._passphrase = passphrase
        self._cache: dict[str, SigningKey] = {}

    def generate(self) -> PublicKey:
        """Create, encrypt and store a new key; return its public half."""
        key = SigningKey.generate()
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._path(key.public_key.multibase)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(key.to_encrypted_pem(self._passphrase))
        tmp.chmod(0o600)
        tmp.replace(path)
        self._cache[key.public_key.multibase] = key
        return key.public_key

    def signer(self, key_id: str) -> SigningKey:
        """The signing key with this id, decrypted with the store's passphrase."""
        if key_id in self._cache:
            return self._cache[key_id]
        path = self._path(key_id)
        if not path.is_file():
            raise KeyNotFoundError(key_id)
        key = SigningKey.from_encrypted_pem(path.read_bytes(), self._passphrase)
        if key.public_key.multibase != key_id:
            raise KeyStorePassphraseError(f"key file {path.name} holds a different key")
        self._cache[key_id] = key
        return key

    def role_keys(self, role: str) -> list[str]:
        """The ids of the keys that have held a role (such as `ledger`), oldest first."""
        path = self._directory / f"{role}.keys"
        if not path.is_file():
            return []
        return [line for line in path.read_text().split() if line]

    def current_for_role(self, role: str) -> str:
        """The id of the key that now holds the role, creating the first one if none has."""
        ids = self.role_keys(role)
        return ids[-1] if ids else self.rotate_role(role).multibase

    def first_for_role(self, role: str) -> str:
        """The id of the first key that held the role (created if none has): for roles whose
        derived secrets must never change, such as the one learners' pseudonyms are keyed with."""
        ids = self.role_keys(role)
        return ids[0] if ids else self.rotate_role(role).multibase

    def rotate_role(self, role: str) -> PublicKey:
        """Give the role a new key; the earlier keys stay listed, so what they signed verifies."""
        public = self.generate()
        path = self._directory / f"{role}.keys"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join([*self.role_keys(role), public.multibase]) + "\n")
        tmp.replace(path)
        return public

    def has(self, key_id: str) -> bool:
        """Whether the store holds the private key with this id."""
        return key_id in self._cache or self._path(key_id).is_file()

    def check_passphrase(self) -> None:
        """Open one stored key, so a wrong passphrase is reported at start-up, not mid-request."""
        for path in sorted(self._directory.glob("z*.pem"))[:1]:
            self.signer(path.stem)

    def _path(self, key_id: str) -> Path:
        if not key_id.startswith("z") or not key_id.isalnum():
            raise KeyNotFoundError(key_id)
        return self._directory / f"{key_id}.pem"
