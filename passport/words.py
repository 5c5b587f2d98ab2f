"""How the pages write dates and amounts: one formatter each, in the NHS content style."""

from __future__ import annotations

from datetime import date, datetime


def long_date(value: date | datetime | str | None) -> str:
    """A day as the NHS writes it, "5 February 2027" (empty for no day; ISO text accepted)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def hours(amount: float) -> str:
    """An amount of learning time, "1 hour" or "12.5 hours"."""
    return f"{amount:g} hour" + ("" if amount == 1 else "s")
