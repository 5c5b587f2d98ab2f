"""Canonical JSON: our fast path is byte-identical to the RFC 8785 reference implementation."""

from __future__ import annotations

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
