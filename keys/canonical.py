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
from typing import Any

import rfc8785

_FAST_FLOAT_MIN = 1e-4
_FAST_FLOAT_MAX = 1e16
_LAST_SAFE_KEY_CHAR = "\ud7ff"
_MAX_SAFE_INT = 2**53 - 1


_UNSAFE = object()


def _fast_form(value: Any) -> Any:
    """The value as `json.dumps` writes it canonically (integral floats as ints, since
    ECMAScript prints 3.0 as "3"), the value itself when nothing needed changing, or `_UNSAFE`
    when only the reference implementation writes it right."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number_form(value)
    if isinstance(value, dict):
        return _object_form(value)
    if isinstance(value, list | tuple):
        forms = [_fast_form(item) for item in value]
        if any(form is _UNSAFE for form in forms):
            return _UNSAFE
        return value if all(f is i for f, i in zip(forms, value, strict=True)) else forms
    return _UNSAFE


def _number_form(value: float) -> Any:
    if abs(value) > _MAX_SAFE_INT and (isinstance(value, int) or value.is_integer()):
        return _UNSAFE
    if isinstance(value, int):
        return value
    if value.is_integer():
        return int(value)
    return value if _FAST_FLOAT_MIN <= abs(value) < _FAST_FLOAT_MAX else _UNSAFE


def _object_form(value: dict[Any, Any]) -> Any:
    changed: dict[str, Any] | None = None
    for key, item in value.items():
        if not isinstance(key, str) or (key and max(key) > _LAST_SAFE_KEY_CHAR):
            return _UNSAFE
        form = _fast_form(item)
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
            return json.dumps(
                form,
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
                allow_nan=False,
            ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation refuse it
    return rfc8785.dumps(value)
