"""Display values for the read models, derived from any JSON a credential may carry.

VCDM 2.0 lets a name or description be a string, a language value (`{"@value", "@language"}`),
an array of either, or an object; numbers may stand where strings are usual. The read models
keep one short text (and one number, for credits) a person can read; the credential itself is
stored untouched beside them.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_TEXT = 500
PREFERRED_LANGUAGE = "en"


def display_text(value: Any) -> str:
    """One line of text a person can read for `value`, whatever its JSON shape.

    A language value gives its `@value`; an array its English entry (else its first); an object
    its `name` (else its compact JSON); a number or boolean its JSON form. The result holds no
    NUL (PostgreSQL text refuses it) and no lone surrogate (not encodable as UTF-8), and is at
    most `MAX_TEXT` characters.
    """
    text = _text(value, depth=0)
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def display_number(value: Any) -> float | None:
    """A finite number for `value` (a number, numeric text, or a language value holding one)."""
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def optional_text(value: Any) -> str | None:
    """`display_text` of a value that may be absent (None stays None)."""
    return None if value is None else display_text(value)


def _text(value: Any, depth: int) -> str:  # noqa: PLR0911 - one return per JSON shape
    if value is None or depth > 8:  # the depth bound only keeps this step itself bounded
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return _json(value)
    if isinstance(value, list):
        return _text(_preferred(value), depth + 1) if value else ""
    if isinstance(value, dict):
        for key in ("@value", "name"):
            if key in value:
                return _text(value[key], depth + 1)
        return _json(value)
    return str(value)


def _preferred(values: list[Any]) -> Any:
    """The entry in the preferred language, if the array has one; else its first entry."""
    for entry in values:
        language = entry.get("@language") if isinstance(entry, dict) else None
        if isinstance(language, str) and language.lower().split("-")[0] == PREFERRED_LANGUAGE:
            return entry
    return values[0]


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return ""
