"""RFC 8785 (JCS) canonical JSON, with a fast path for the documents credentials actually hold.

`rfc8785` is the reference here. For JSON whose floats print the same in Python and in
ECMAScript (finite, non-integral, 1e-4 <= |x| < 1e16) and whose keys sort the same by code
point as by UTF-16 unit (no key characters above U+D7FF), the C-accelerated `json.dumps` with
sorted keys yields byte-identical output; everything else goes to `rfc8785`. A property test
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


def _fast_path_safe(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > _MAX_SAFE_INT:
                return False
        elif isinstance(item, float):
            if item.is_integer() or not _FAST_FLOAT_MIN <= abs(item) < _FAST_FLOAT_MAX:
                return False
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str) or (key and max(key) > _LAST_SAFE_KEY_CHAR):
                    return False
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value, as UTF-8 bytes."""
    if _fast_path_safe(value):
        try:
            return json.dumps(
                value,
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
                allow_nan=False,
            ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation refuse it
    return rfc8785.dumps(value)
