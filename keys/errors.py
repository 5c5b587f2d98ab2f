"""The errors the keys package raises."""


class KeysError(Exception):
    """Base of every error raised by the keys package."""


class InvalidSignatureError(KeysError):
    """A signature does not verify under the given public key."""


class MalformedKeyError(KeysError, ValueError):
    """Bytes or text that should encode a key do not."""


class KeyNotFoundError(KeysError, LookupError):
    """The key store holds no key with the given id."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"no private key with id {key_id!r} in the key store")
        self.key_id = key_id


class KeyStorePassphraseError(KeysError):
    """The key-store passphrase is missing or does not open the stored keys."""


class SealedDataError(KeysError):
    """A sealed value is malformed, or does not open under the key it was given."""
