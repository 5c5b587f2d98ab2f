"""RFC 8785 (JCS) canonical JSON, with a fast path for the documents credentials actually hold.

`rfc8785` is the reference here. For JSON whose numbers print the same in Python and in
ECMAScript (integers and integral floats up to 2**53, written as integers; other finite floats
with 1e-4 <= |x| < 1e16) and whose keys sort the same by code point as by UTF-16 unit (no key
characters above U+D7FF), the C-accelerated `json.dumps` with sorted keys yields byte-identical
output; everything else goes to `rfc8785`. A property test
holds the two equal.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

_FAST_FLOAT_MIN = 1e-4
_FAST_FLOAT_MAX = 1e16
# A character from here on may sort differently by UTF-16 unit than by code point.
_UNSAFE_KEY_CHARS = re.compile("[\ud800-\U0010ffff]")
_MAX_SAFE_INT = 2**53 - 1


_UNSAFE = object()


def _fast_form(value: Any) -> Any:
    """The value as `json.dumps` writes it canonically (integral floats as ints, since
    ECMAScript prints 3.0 as "3"), the value itself when nothing needed changing, or `_UNSAFE`
    when only the reference implementation writes it right."""
    kind = type(value)  # exact types first: a credential is mostly strings, dicts and lists
    if kind is str or value is None or isinstance(value, str | bool):
        return value
    if kind is dict or isinstance(value, dict):
        return _object_form(value)
    if kind is list or isinstance(value, list | tuple):
        return _list_form(value)
    if isinstance(value, int | float):
        return _number_form(value)
    return _UNSAFE


def _list_form(value: list[Any] | tuple[Any, ...]) -> Any:
    changed: list[Any] | None = None
    for position, item in enumerate(value):
        form = item if type(item) is str else _fast_form(item)
        if form is _UNSAFE:
            return _UNSAFE
        if form is not item:
            changed = changed if changed is not None else list(value)
            changed[position] = form
    return value if changed is None else changed


def _number_form(value: float) -> Any:
    if abs(value) > _MAX_SAFE_INT and (isinstance(value, int) or value.is_integer()):
        return _UNSAFE
    if isinstance(value, int):
        return value
    if value.is_integer():
        return int(value)
    return value if _FAST_FLOAT_MIN <= abs(value) < _FAST_FLOAT_MAX else _UNSAFE


def _object_form(value: dict[Any, Any]) -> Any:
    # Key characters are checked once, on the whole output (`_BEYOND_BMP_START`), not per key.
    changed: dict[str, Any] | None = None
    for key, item in value.items():
        if type(key) is not str:
            return _UNSAFE
        form = item if type(item) is str else _fast_form(item)
        if form is _UNSAFE:
            return _UNSAFE
        if form is not item:
            changed = changed if changed is not None else dict(value)
            changed[key] = form
    return value if changed is None else changed


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value, as UTF-8 bytes."""
    try:
        form = _fast_form(value)
    except RecursionError:
        form = _UNSAFE
    if form is not _UNSAFE:
        try:
            text = json.dumps(
                form, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
            # Such a character anywhere (rare) sends the value to the reference implementation,
            # which sorts keys by UTF-16 unit as RFC 8785 §3.2.3 says.
            if not _UNSAFE_KEY_CHARS.search(text):
                return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation refuse it
    return rfc8785.dumps(value)
