"""C2SP signed notes: the published vectors verify, tampering and unknown keys are refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from keys import SigningKey
from verifier.signed_note import (
    Checkpoint,
    SignedNoteError,
    note_verifier_key,
    open_note,
    parse_verifier_key,
    sign_note,
)

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "merkle" / "signed-note-vectors.json").read_text()
)["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["vkey"].split("+")[0])
def test_published_notes_open_with_their_verifier_keys(vector):
    """The C2SP example and the Go sumdb example verify and yield their text."""
    assert open_note(vector["note"], [vector["vkey"]]) == vector["text"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["vkey"].split("+")[0])
def test_a_changed_text_does_not_open(vector):
    """One changed character of the text fails the signature."""
    with pytest.raises(SignedNoteError, match="does not verify"):
        open_note(vector["note"].replace("a", "b", 1), [vector["vkey"]])


def test_signing_reproduces_the_go_example_byte_for_byte():
    """Ed25519 is deterministic: the Go test key signs the example to the published note."""
    vector = VECTORS[1]
    seed_b64 = vector["skey_public_test_key"].split("+", 4)[4]
    seed = base64.b64decode(seed_b64)[1:]
    key = SigningKey.from_seed(seed)
    assert note_verifier_key("PeterNeumann", key.public_key) == vector["vkey"]
    assert sign_note(vector["text"], "PeterNeumann", key) == vector["note"]


def test_notes_by_unknown_keys_are_refused_and_checkpoints_round_trip():
    """A note signed by a key we were not given does not open; checkpoint text parses back."""
    key = SigningKey.generate()
    checkpoint = Checkpoint("passport.test/log", 42, bytes(range(32)))
    note = sign_note(checkpoint.text(), "passport.test/log", key)
    vkey = note_verifier_key("passport.test/log", key.public_key)
    assert parse_verifier_key(vkey)[0] == "passport.test/log"
    assert Checkpoint.parse(open_note(note, [vkey])) == checkpoint
    other = note_verifier_key("passport.test/log", SigningKey.generate().public_key)
    with pytest.raises(SignedNoteError, match="no signature by a known key"):
        open_note(note, [other])
