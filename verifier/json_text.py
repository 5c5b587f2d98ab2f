"""The one JSON reader for what the verifier judges: RFC 8259 text with no duplicate member name
(I-JSON, RFC 7493 §2.3), no NaN or Infinity and no number beyond a double.

Tools disagree on a duplicated name (some keep the first value, Python the last), so a signed
document could show one claim to its verifier and another to a person: such text is refused.
"""

from __future__ import annotations

import json
import math
from typing import Any


class JsonTextError(ValueError):
    """The text is JSON that tools may read differently; the message says why."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise JsonTextError(f"the member name {name!r} appears twice in one object")
            seen.add(name)
    return members


def _no_constant(name: str) -> Any:
    raise JsonTextError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonTextError(f"the number {text[:40]} is too large for a double")
    return value


# One decoder for every call: `json.loads` with options builds a new one (and its scanner) each
# time (a fifth of this reader's time on a credential). Decoders keep no state between calls.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique, parse_constant=_no_constant, parse_float=_finite
)


def read_json(text: str | bytes) -> Any:
    """Parse JSON text strictly; `JsonTextError` (a ValueError) for duplicate member names, NaN,
    Infinity or an out-of-range number, `json.JSONDecodeError` for text that is not JSON."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")  # as `json.loads` does
    elif text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)
