"""The digest the verifier's caches remember documents by: equal only for equal content."""

from __future__ import annotations

import json
from collections import OrderedDict

from hypothesis import given
from hypothesis import strategies as st

from verifier.content_digest import content_digest

NUMBERS = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


class Text(str):
    """A str that could say anything about its own equality."""


@given(JSON)
def test_a_copy_of_a_document_has_its_digest(document: object) -> None:
    """A document rebuilt from scratch with the same content is remembered as the same."""
    copy = json.loads(json.dumps(document))
    assert content_digest(document) == content_digest(copy)


def test_values_that_json_would_confuse_differ() -> None:
    """`true` and `1`, `1.0` and `1`, a list and its one member, or another key: not the same."""
    digests = {
        content_digest({"a": True}),
        content_digest({"a": 1}),
        content_digest({"a": 1.0}),
        content_digest({"a": [1]}),
        content_digest({"a": 1}, b"k" * 32),
    }
    assert len(digests) == 5


def test_values_it_cannot_write_exactly_are_not_remembered() -> None:
    """A str subclass or a mapping other than a dict gets no digest: checked every time."""
    assert content_digest({"a": Text("x")}) is None
    assert content_digest(OrderedDict(a=1)) is None
