"""Bitstring Status List v1.0: the spec's examples, bit order, and unknown never read as clear."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuers.status_list import allocate_index, bitstring_with, encode_bitstring
from verifier.status_list import StatusListError, bit_at, check_status, decode_encoded_list

DATA = Path(__file__).parents[1] / "data" / "status-list"
NOW = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture
def example_list() -> dict[str, Any]:
    return json.loads((DATA / "example-5-list.json").read_text())


@pytest.fixture
def example_entry() -> dict[str, Any]:
    return json.loads((DATA / "example-4-entry.json").read_text())


def test_spec_example_list_is_131072_clear_entries(example_list, example_entry):
    """Example 5 decodes to 16 KiB of zeros, so Example 4's credential is not revoked."""
    bits = decode_encoded_list(example_list["credentialSubject"]["encodedList"])
    assert len(bits) == 16_384
    assert not any(bits)
    outcome = check_status(example_entry, example_list, now=NOW)
    assert (outcome.state, outcome.purpose) == ("clear", "revocation")


def test_an_empty_list_is_encoded_as_the_spec_example_byte_for_byte(example_list):
    """Our issuers publish a fresh list exactly as the specification's Example 5 writes it."""
    assert encode_bitstring(bytes(16_384)) == example_list["credentialSubject"]["encodedList"]


def test_index_zero_is_the_most_significant_bit_of_the_first_byte():
    """The spec's bit order: index 0 is the leftmost bit."""
    assert bit_at(bytes([0b1000_0000]), 0) == 1
    assert bit_at(bytes([0b1000_0000]), 7) == 0
    assert bit_at(bytes([0b0000_0001]), 7) == 1
    assert bit_at(bytes([0b1011_0000]), 0, status_size=2) == 0b10
    assert bit_at(bytes([0b1011_0000]), 1, status_size=2) == 0b11


@settings(max_examples=50, deadline=None)
@given(st.sets(st.integers(0, 131_071), max_size=40))
def test_encoding_round_trips_any_set_of_indexes(indexes):
    """Every set index reads 1 after encode and decode, every other reads 0."""
    bits = decode_encoded_list(encode_bitstring(bitstring_with(indexes)))
    probe = set(indexes) | {0, 131_071, 65_536}
    assert {i for i in probe if bit_at(bits, i)} == set(indexes)


def test_a_set_bit_is_reported_set(example_list, example_entry):
    """A list with the entry's bit set says so."""
    example_list["credentialSubject"]["encodedList"] = encode_bitstring(bitstring_with([94567]))
    assert check_status(example_entry, example_list, now=NOW).state == "set"


def _short_list(example_list: dict[str, Any]) -> dict[str, Any]:
    compressed = gzip.compress(bytes(128), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()
    example_list["credentialSubject"]["encodedList"] = encoded
    return example_list


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda lst, e: (None, e), "not available"),
        (lambda lst, e: (_short_list(lst), e), "at least 131072"),
        (lambda lst, e: (lst, {**e, "statusPurpose": "suspension"}), "is for 'revocation'"),
        (lambda lst, e: ({**lst, "validUntil": "2022-01-01T00:00:00Z"}, e), "validity period"),
        (lambda lst, e: (lst, {**e, "statusListIndex": "x1"}), "decimal string"),
    ],
)
def test_what_cannot_be_known_is_unknown_with_a_reason(example_list, example_entry, change, reason):
    """Missing, short, mismatched or expired lists make the status unknown, never clear."""
    lst, entry = change(example_list, example_entry)
    outcome = check_status(entry, lst, now=NOW)
    assert outcome.state == "unknown"
    assert reason in outcome.reason


@pytest.mark.parametrize(
    "text", ["zH4sI", "u!!!!", "u" + base64.urlsafe_b64encode(b"nope").decode()]
)
def test_malformed_encoded_lists_are_refused(text):
    """Not multibase base64url, or not GZIP: a StatusListError."""
    with pytest.raises(StatusListError):
        decode_encoded_list(text)


def test_a_gzip_bomb_is_refused():
    """A list that expands beyond 16 MiB is refused, not inflated."""
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(17 * 1024 * 1024))).decode()
    with pytest.raises(StatusListError, match="16 MiB"):
        decode_encoded_list(bomb)


def test_allocation_is_random_and_never_repeats():
    """Indexes are unused and do not follow the order of issuance."""
    used: set[int] = set()
    picks = []
    for _ in range(200):
        index = allocate_index(used.__contains__)
        assert index not in used
        used.add(index)
        picks.append(index)
    assert picks != sorted(picks)
    assert max(picks) - min(picks) > 10_000
