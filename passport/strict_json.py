"""JSON read strictly: an object that names a key twice is refused, not silently merged.

RFC 8259 §4 leaves duplicate names undefined: parsers keep the first or the last, so one
document can mean two things to two tools (an achievement `name` given twice shows one name
here and another elsewhere).
"""

from __future__ import annotations

import json
from typing import Any


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the JSON names the key {key!r} twice in one object; name each key once")
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKeyError(key)
        seen[key] = value
    return seen


def loads(text: str | bytes) -> Any:
    """Parse JSON, refusing duplicate keys (`DuplicateKeyError`); other errors as `json.loads`."""
    return json.loads(text, object_pairs_hook=_unique)


def duplicate_key(text: str | bytes) -> str | None:
    """The first key named twice in one object, or None (also None for text that is not JSON:
    whoever parses it next reports that)."""
    try:
        loads(text)
    except DuplicateKeyError as exc:
        return exc.key
    except ValueError:
        return None
    return None
