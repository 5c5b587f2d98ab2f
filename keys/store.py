"""A key store that keeps private keys encrypted at rest and hands out signers, never secrets."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
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
        return self._role_keys_or_first(role)[-1]

    def first_for_role(self, role: str) -> str:
        """The id of the first key that held the role (created if none has): for roles whose
        derived secrets must never change, such as the one learners' pseudonyms are keyed with."""
        return self._role_keys_or_first(role)[0]

    def rotate_role(self, role: str) -> PublicKey:
        """Give the role a new key; the earlier keys stay listed, so what they signed verifies."""
        with self._roles_locked():
            return self._add_to_role(role)

    def _role_keys_or_first(self, role: str) -> list[str]:
        ids = self.role_keys(role)
        if ids:
            return ids
        # Processes starting together on a fresh store must agree on one first key: a second
        # one would wrap learners' data keys, or key their pseudonyms, differently.
        with self._roles_locked():
            return self.role_keys(role) or [self._add_to_role(role).multibase]

    def _add_to_role(self, role: str) -> PublicKey:
        public = self.generate()
        path = self._directory / f"{role}.keys"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join([*self.role_keys(role), public.multibase]) + "\n")
        tmp.replace(path)
        return public

    @contextmanager
    def _roles_locked(self) -> Iterator[None]:
        """One process at a time changes the role lists (an exclusive `flock`)."""
        self._directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._directory / ".roles.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor drops the lock

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
