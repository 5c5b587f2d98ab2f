"""RFC 8785 (JCS) canonical JSON, with a fast path for the documents credentials actually hold.

`rfc8785` is the reference here. For JSON whose numbers print the same in Python and in
ECMAScript (integers and integral floats up to 2**53, written as integers; other finite floats
with 1e-4 <= |x| < 1e16) and whose keys sort the same by code point as by UTF-16 unit (no key
characters above U+D7FF), `orjson` with sorted keys yields byte-identical output: it escapes
strings as RFC 8785 §3.2.2.2 does (the five short escapes, other controls as lowercase `u00xx`
escapes, nothing else), sorts keys by UTF-8 bytes (code point order), and writes such floats
in the same shortest round-trip digits. Everything else goes to `rfc8785`. Property tests hold
the two equal.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import rfc8785

_FAST_FLOAT_MIN = 1e-4
_FAST_FLOAT_MAX = 1e16
# A character from U+D800 on (its UTF-8 form, as output) may sort differently by UTF-16 unit
# than by code point.
_UNSAFE_KEY_CHARS = re.compile(b"\xed[\xa0-\xbf]|[\xee-\xf4]")
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
    # Key characters are checked once, on the whole output (`_UNSAFE_KEY_CHARS`), not per key.
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


def fast_canonical_json(value: Any) -> bytes | None:
    """The RFC 8785 canonical form of a JSON value when the fast path can write it, else None.

    None also when the value holds an integral number beyond 2**53 (such as a float `orjson`
    read from an integer too large for 64 bits): a caller that parsed the value can then read it
    again as `json` does, and canonicalise that.
    """
    try:
        form = _fast_form(value)
    except RecursionError:
        return None
    if form is _UNSAFE:
        return None
    try:
        data = orjson.dumps(form, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None  # a lone surrogate, nesting past orjson's depth: the reference decides
    # Such a character anywhere (rare) sends the value to the reference implementation, which
    # sorts keys by UTF-16 unit as RFC 8785 §3.2.3 says.
    if data.isascii() or not _UNSAFE_KEY_CHARS.search(data):
        return data
    return None


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value, as UTF-8 bytes."""
    data = fast_canonical_json(value)
    return data if data is not None else rfc8785.dumps(value)
