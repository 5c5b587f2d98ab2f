"""Whether an award is kept up under its achievement's maintenance rule, on a given day.

Rules (JSON, as `MaintenanceRule` stores them):

- `{"kind": "retake", "everyMonths": K, "achievementId": id | null, "name": text}`: current while
  the learner holds (active) a credential for `achievementId` (null: the badge's own achievement)
  earned less than K months ago, the badge itself counting as the first; it lapses on the day
  K months after the latest.
- `{"kind": "cpdHours", "hours": N}`: from the first NHS year (1 April to 31 March) after the
  badge was earned, N CPD hours (credits of active credentials) each NHS year; a year short
  lapses the badge on 1 April, and it is restored once the missing hours are earned after that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from issuers.credentials import add_months

NOT_MAINTAINED = "not maintained"


@dataclass(frozen=True)
class Earned:
    """An active credential of the learner, as the rules see it."""

    achievement_id: str
    earned_on: date
    credits: float


@dataclass(frozen=True)
class Standing:
    """Where an award stands under its rule on a day: current until `due_by` (inclusive), or
    lapsed since `lapsed_on`; `keep_up` says in words what keeps it current."""

    current: bool
    due_by: date | None
    lapsed_on: date | None
    keep_up: str


def nhs_year_start(day: date) -> date:
    """1 April of the NHS financial year holding `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def standing(
    rule: Mapping[str, Any],
    achievement_id: str,
    badge_earned: date,
    held: Iterable[Earned],
    today: date,
) -> Standing:
    """The award's standing on `today`, counting only what was earned by then."""
    earned = [h for h in held if h.earned_on <= today]
    if rule.get("kind") == "retake":
        return _retake(rule, achievement_id, badge_earned, earned, today)
    return _cpd_hours(rule, badge_earned, earned, today)


def _retake(
    rule: Mapping[str, Any], own: str, badge_earned: date, earned: list[Earned], today: date
) -> Standing:
    target = rule.get("achievementId") or own
    latest = max([badge_earned, *(h.earned_on for h in earned if h.achievement_id == target)])
    lapses = add_months(latest, int(rule["everyMonths"]))
    what = f"Retake {rule.get('name') or 'it'}"
    if today < lapses:
        due = lapses - timedelta(days=1)
        return Standing(True, due, None, f"{what} by {due:%-d %B %Y}")
    missed = lapses - timedelta(days=1)
    return Standing(False, None, lapses, f"{what}: it was due by {missed:%-d %B %Y}")


def _hours(earned: list[Earned], start: date, end: date) -> float:
    return sum(h.credits for h in earned if start <= h.earned_on < end)


def _cpd_hours(
    rule: Mapping[str, Any], badge_earned: date, earned: list[Earned], today: date
) -> Standing:
    needed = float(rule["hours"])
    first = add_months(nhs_year_start(badge_earned), 12)
    this_year = nhs_year_start(today)
    year_end = add_months(max(first, this_year), 12) - timedelta(days=1)
    so_far = _hours(earned, max(first, this_year), year_end + timedelta(days=1))
    keep_up = f"{needed:g} CPD hours in the NHS year to {year_end:%-d %B %Y} ({so_far:g} so far)"
    if this_year <= first:
        return Standing(True, year_end, None, keep_up)
    last_year = add_months(this_year, -12)
    shortfall = needed - _hours(earned, last_year, this_year)
    if shortfall <= 0 or _hours(earned, this_year, today + timedelta(days=1)) >= shortfall:
        return Standing(True, year_end, None, keep_up)
    return Standing(
        False,
        None,
        this_year,
        f"{shortfall:g} CPD hours missing from the NHS year to "
        f"{this_year - timedelta(days=1):%-d %B %Y}: earn them to restore it",
    )
