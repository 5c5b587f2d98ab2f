"""Signed events read by the fast JSON reader mean exactly what `json` reads: a number `orjson`
would read differently (an integer beyond 64 bits becomes a float there) can neither be signed
nor make a stored event readable, and envelopes sealed before the fast reader still open."""

from __future__ import annotations

import base64
import json
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from eventsourcing.persistence import StoredEvent

from events.errors import EventSignatureError
from events.signing import open_envelope, seal
from keys import SigningKey

KEY = SigningKey.from_seed(bytes(range(32)))
TRUSTED = {"ledger#1": KEY.public_key}
PASSPORT = UUID("6f1c1a7e-4b7a-4b8e-9a61-0b0c7f3a2d10")
TOPIC = "events.passport:Passport.CredentialIssued"


def _stored(state: bytes) -> StoredEvent:
    return StoredEvent(originator_id=PASSPORT, originator_version=2, topic=TOPIC, state=state)


def _reference_message(body: Any) -> bytes:
    """What the signature covers, by the RFC 8785 reference implementation."""
    return rfc8785.dumps({"aggregateId": str(PASSPORT), "version": 2, "topic": TOPIC, "body": body})


def _envelope(body_json: bytes, message: bytes) -> bytes:
    signature = base64.urlsafe_b64encode(KEY.sign(message)).rstrip(b"=")
    return b'{"body":' + body_json + b',"signer":"ledger#1","signature":"' + signature + b'"}'


def test_an_integer_beyond_64_bits_is_not_signed_as_the_float_orjson_reads():
    """An event state holding 2**70 is refused at sealing, as `json` reading it demands (RFC
    8785 has no form for it), rather than signed as 1180591620717411303424.0."""
    with pytest.raises(rfc8785.CanonicalizationError):
        seal(_stored(b'{"credits":1180591620717411303424}'), "ledger#1", KEY)


def test_a_signature_over_the_float_reading_does_not_make_the_event_readable():
    """A stored event whose signature covers the float `orjson` reads from an integer beyond 64
    bits is refused: the body the library would use is the integer, which was never signed."""
    forged = _envelope(
        b'{"credits":1180591620717411303424}',
        _reference_message({"credits": 1180591620717411303424.0}),
    )
    with pytest.raises(EventSignatureError, match="not readable"):
        open_envelope(_stored(forged), TRUSTED)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Siân Ní Bhriain", "credits": 7.5, "hours": 3.0, "big": 2**53 - 1},
        {"\U0001f600": "astral key", "\ufb01": "after the surrogates", "a": "\u2028\x7f\x1f"},
        {"tiny": 1e-7, "huge": 1e21, "nested": [{"b": None, "a": [True, False]}]},
    ],
)
def test_envelopes_sealed_by_the_reference_reading_open_and_seal_the_same(body):
    """An envelope signed over the reference canonical form of what `json` reads (how events
    were sealed before) opens to the same body, and sealing the same state now makes the very
    same envelope."""
    body_json = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    envelope = _envelope(body_json, _reference_message(json.loads(body_json)))
    assert open_envelope(_stored(envelope), TRUSTED) == json.loads(body_json)
    assert seal(_stored(body_json), "ledger#1", KEY) == envelope


def test_a_state_json_reads_only_as_nan_is_refused_at_sealing():
    """NaN (which `json` writes and reads, and `orjson` does not) has no canonical form: the
    event is refused, not signed with a null in its place."""
    with pytest.raises(rfc8785.CanonicalizationError):
        seal(_stored(b'{"credits":NaN}'), "ledger#1", KEY)
