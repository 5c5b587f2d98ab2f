"""The signing envelope: every stored event is Ed25519-signed over RFC 8785 canonical JSON.

The signed message is the canonical JSON of the event's aggregate id, version, topic and body,
so an event cannot be altered, re-ordered inside its aggregate, re-typed or moved to another
person without the signature failing.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    StoredEvent,
    Transcoder,
)

from events.errors import EventSignatureError
from keys import InvalidSignatureError, MalformedKeyError, PublicKey, SigningKey
from keys.canonical import canonical_json, fast_canonical_json


def signing_input(aggregate_id: UUID | str, version: int, topic: str, body: Any) -> bytes:
    """The exact bytes an event signature covers."""
    return canonical_json(
        {"aggregateId": str(aggregate_id), "version": version, "topic": topic, "body": body}
    )


def _read_signed(stored: StoredEvent, data: bytes, *, envelope: bool) -> tuple[Any, Any, bytes]:
    """`data` read as `json` reads it (an envelope, or a body alone), the body in it, and the
    bytes the body's signature covers.

    `orjson` reads the common case several times faster and, whenever the canonical fast path
    can write what it read, exactly as `json` does; what it cannot read, or reads differently
    (NaN, a lone surrogate escape, an integer beyond 64 bits made a float), `json` reads again.
    """
    with contextlib.suppress(orjson.JSONDecodeError, KeyError, TypeError):
        document = orjson.loads(data)
        body = document["body"] if envelope else document
        signed = fast_canonical_json(
            {
                "aggregateId": str(stored.originator_id),
                "version": stored.originator_version,
                "topic": stored.topic,
                "body": body,
            }
        )
        if signed is not None:
            return document, body, signed
    document = json.loads(data)
    body = document["body"] if envelope else document
    return (
        document,
        body,
        signing_input(stored.originator_id, stored.originator_version, stored.topic, body),
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(stored: StoredEvent, signer_id: str, key: SigningKey) -> bytes:
    """The signed envelope that replaces a stored event's state."""
    signature = key.sign(_read_signed(stored, bytes(stored.state), envelope=False)[2])
    # The body goes in as the transcoder wrote it (JSON already): writing a credential's JSON
    # out again would cost as much as reading it.
    return b"".join(
        (
            b'{"body":',
            bytes(stored.state),
            b',"signer":',
            json.dumps(signer_id).encode(),
            b',"signature":"',
            _b64(signature).encode(),
            b'"}',
        )
    )


def open_envelope(stored: StoredEvent, trusted: Mapping[str, PublicKey]) -> Any:
    """Check a stored event's envelope and return its body, or raise `EventSignatureError`."""

    def fail(reason: str) -> EventSignatureError:
        return EventSignatureError(stored.originator_id, stored.originator_version, reason)

    try:
        envelope, body, signed = _read_signed(stored, bytes(stored.state), envelope=True)
        signer = envelope["signer"]
        signature = _unb64(envelope["signature"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise fail(f"stored envelope is not readable ({exc.__class__.__name__})") from exc
    key = trusted.get(signer)
    if key is None:
        raise fail(f"signed by unknown key {signer!r}")
    try:
        key.verify(signature, signed)
    except (InvalidSignatureError, MalformedKeyError) as exc:
        raise fail("signature does not match the event's content") from exc
    return body


class SigningMapper(Mapper[UUID]):
    """A mapper that signs events as it stores them and checks them as it reads them back."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        *,
        signer_id: str,
        signer: SigningKey,
        trusted: Mapping[str, PublicKey],
    ) -> None:
        super().__init__(transcoder, compressor=compressor, cipher=cipher)
        self.signer_id = signer_id
        self.signer = signer
        self.trusted = dict(trusted)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """Serialise as the library does, then wrap the state in a signed envelope."""
        stored = super().to_stored_event(domain_event)
        return StoredEvent(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=seal(stored, self.signer_id, self.signer),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """Refuse an event whose signature does not hold; otherwise deserialise its body.

        The signature covers the body as stored, so it is checked before the library upcasts
        an older `class_version`: upcasting changes only what is read, never what was signed.
        """
        body = open_envelope(stored_event, self.trusted)
        return super().to_domain_event(
            StoredEvent(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=_written(body),
            )
        )


def _written(body: Any) -> bytes:
    """The body as JSON again, for the library's transcoder to read (by orjson, unless it holds
    an integer beyond 64 bits)."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body).encode()
