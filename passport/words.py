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


def hours_needed(total: float, participatory: float, by: date) -> str:
    """What a nurse still needs for revalidation, in one sentence: "You need 28 more hours, 13 of
    them participatory, by 3 March 2027" (`participatory` is part of `total`)."""
    if participatory >= total:
        return f"You need {_more(participatory, 'participatory ')} by {long_date(by)}."
    if participatory > 0:
        return (
            f"You need {_more(total)}, {participatory:g} of them participatory, by {long_date(by)}."
        )
    return f"You need {_more(total)} by {long_date(by)}."


def _more(amount: float, kind: str = "") -> str:
    return f"{amount:g} more {kind}hour" + ("" if amount == 1 else "s")
