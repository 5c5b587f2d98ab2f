"""Canonical JSON: our fast path is byte-identical to the RFC 8785 reference implementation."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.canonical import canonical_json

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
documents = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_fast_path_equals_the_reference_for_any_json(document):
    """For any JSON value (odd floats, astral keys, escapes) the bytes equal rfc8785's."""
    try:
        expected = rfc8785.dumps(document)
    except rfc8785.CanonicalizationError:
        return
    assert canonical_json(document) == expected


def test_the_cases_where_python_and_ecmascript_differ_print_as_ecmascript_does():
    """Integral floats (written as integers), large exponents and astral-plane keys (left to the
    reference) print as RFC 8785 requires."""
    assert canonical_json({"a": 3.0}) == b'{"a":3}'
    assert canonical_json([1e16, 1e21, 1e-7]) == b"[10000000000000000,1e+21,1e-7]"
    assert canonical_json({"\U0001f600": 1, "\ufb01": 2}) == rfc8785.dumps(
        {"\U0001f600": 1, "\ufb01": 2}
    )
    assert canonical_json({"b": "\u001f", "a": "é"}) == b'{"a":"\xc3\xa9","b":"\\u001f"}'


def test_every_character_escapes_as_the_reference_escapes_it():
    """Each character below U+D800 and above U+DFFF, as a value (and below U+D800 as a key),
    is written as RFC 8785 §3.2.2.2 writes it: the same bytes as rfc8785."""
    below = [chr(c) for c in range(0xD800)]
    above = [chr(c) for c in range(0xE000, 0x110000, 7)]
    document: dict[str, Any] = {"keys": {c: c for c in below}, "values": below + above}
    assert canonical_json(document) == rfc8785.dumps(document)


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=1e-4, max_value=1e16, allow_nan=False), st.booleans())
def test_floats_of_the_fast_range_print_as_ecmascript_prints_them(number, negative):
    """Floats in the range the fast path writes itself print as rfc8785 prints them."""
    value = -number if negative else number
    assert canonical_json({"n": value, "l": [value]}) == rfc8785.dumps({"n": value, "l": [value]})


def test_values_the_fast_path_cannot_write_go_to_the_reference():
    """A lone surrogate and a NaN are refused as rfc8785 refuses them; nesting deeper than orjson
    writes is written as rfc8785 writes it."""
    for bad in ({"a": "\ud800"}, {"a": float("nan")}):
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical_json(bad)
    deep: list[Any] = []
    for _ in range(300):
        deep = [deep]
    assert canonical_json(deep) == rfc8785.dumps(deep)
    assert canonical_json({"z": 1, "a": 2**53 - 1}) == b'{"a":9007199254740991,"z":1}'
