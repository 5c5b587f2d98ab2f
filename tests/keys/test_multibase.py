"""Base58btc decoding (keys.multibase.b58decode) against published vectors, and unchanged errors.

Vectors: draft-msporny-base58-02 §5, the multiformats/multibase test suite (tests/basic.csv,
leading_zero.csv, two_leading_zeros.csv) and the W3C vc-di-eddsa `eddsa-rdfc-2022` signature.
"""

from __future__ import annotations

from pathlib import Path

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys import MalformedKeyError
from keys.multibase import (
    BASE58BTC_ALPHABET,
    b58decode,
    b58encode,
    decode_base58btc,
    encode_base58btc,
)

RDFC_VECTORS = Path(__file__).parents[1] / "data" / "vc-di-eddsa" / "eddsa-rdfc-2022"


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        # draft-msporny-base58-02 §5
        ("2NEpo7TZRRrLZSi2U", b"Hello World!"),
        (
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
            b"The quick brown fox jumps over the lazy dog.",
        ),
        ("111233QC4", bytes.fromhex("000000287fb4cd")),
        # the same number behind two zero bytes: one '1' for each
        ("11233QC4", bytes.fromhex("0000287fb4cd")),
        # Bitcoin's base58 rules for the empty string and zero bytes alone
        ("", b""),
        ("1", b"\x00"),
        ("111", b"\x00\x00\x00"),
        ("2", b"\x01"),
        ("z", b"\x39"),
        ("21", b"\x3a"),
    ],
)
def test_decodes_the_base58_draft_vectors(text, decoded):
    assert b58decode(text) == decoded


@pytest.mark.parametrize(
    ("multibase", "decoded"),
    [
        ("z7paNL19xttacUY", b"yes mani !"),
        ("z17paNL19xttacUY", b"\x00yes mani !"),
        ("z117paNL19xttacUY", b"\x00\x00yes mani !"),
    ],
)
def test_decodes_the_multibase_suite_vectors(multibase, decoded):
    assert decode_base58btc(multibase) == decoded


def test_decodes_the_w3c_eddsa_rdfc_2022_signature():
    """The vector's proofValue is its published signature in hexadecimal."""
    proof_value = (RDFC_VECTORS / "sigBTC58DataInt.txt").read_text().strip()
    signature = bytes.fromhex((RDFC_VECTORS / "sigHexDataInt.txt").read_text().strip())
    assert decode_base58btc(proof_value) == signature
    assert len(signature) == 64


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "2NEpo7TZRRrLZSi2U0", "+", "é", "2N Ep"])
def test_a_character_outside_the_alphabet_is_refused(text):
    with pytest.raises(ValueError, match=r"Invalid character|codec can't encode"):
        b58decode(text)
    with pytest.raises(MalformedKeyError, match=r"^invalid base58btc text: "):
        decode_base58btc("z" + text)


def test_the_error_names_the_first_bad_character():
    with pytest.raises(ValueError, match=r"^Invalid character '0'$"):
        b58decode("2NEp0O")
    with pytest.raises(MalformedKeyError, match=r"^invalid base58btc text: Invalid character 'l'$"):
        decode_base58btc("z11l")


def test_another_multibase_prefix_is_refused():
    with pytest.raises(MalformedKeyError, match="must start with 'z'"):
        decode_base58btc("Z7Pznk19XTTzBtx")  # base58flickr


@given(st.binary(max_size=80), st.integers(0, 4))
def test_decoding_inverts_encoding(data, zeros):
    data = b"\x00" * zeros + data
    assert b58decode(base58.b58encode(data).decode("ascii")) == data


@given(st.binary(max_size=80), st.integers(0, 4))
def test_encoding_writes_what_the_base58_package_writes(data, zeros):
    """Any bytes, leading zero bytes included, encode to the base58 package's text."""
    data = b"\x00" * zeros + data
    assert b58encode(data) == base58.b58encode(data).decode("ascii")


@given(st.text(alphabet=st.sampled_from([*BASE58BTC_ALPHABET, "0", "l", " ", "\n", "é"])))
def test_any_text_decodes_or_fails_as_the_base58_package_does(text):
    """Trailing whitespace, bad characters and all: the result or the error message is the same."""
    try:
        expected: bytes | str = base58.b58decode(text)
    except ValueError as exc:
        expected = str(exc)
    try:
        got: bytes | str = b58decode(text)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


def test_text_longer_than_any_key_or_signature_is_refused_before_decoding():
    """Decoding is quadratic in the length: a megabyte of base58 would hold the verifier for
    tens of seconds, so anything past 200 characters is refused at once."""
    signature = encode_base58btc(bytes(range(64)))
    assert decode_base58btc(signature) == bytes(range(64))
    with pytest.raises(MalformedKeyError, match="longer than any key or signature"):
        decode_base58btc("z" + "5" * 1_000_000)
