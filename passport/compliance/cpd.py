"""CPD: hours per NHS financial year, and against a revalidation cycle.

One credit (`creditsEarned`) is one hour of learning. A credential's hours fall on the day of its
validFrom (when it was earned); CPD does not expire, but a revoked or suspended credential, or
one not yet issued on the as-of day, counts for nothing.

Participatory learning (the NMC's term: learning with one or more other professionals) is marked
on the achievement: an alignment with targetFramework "NMC revalidation" and targetCode
"CPD-PARTICIPATORY" makes it participatory, "CPD-INDIVIDUAL" makes it not. Without either, the
achievementType decides: the rule's participatory types (workshops, conferences, seminars) are
participatory; anything else, a "Course" included (it may be self-paced e-learning), is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, NonNegativeFloat, PositiveInt

from issuers.credentials import add_months
from passport.compliance.held import HeldCredential
from projections.views import nhs_financial_year

CPD_FRAMEWORK = "NMC revalidation"
PARTICIPATORY = "CPD-PARTICIPATORY"
INDIVIDUAL = "CPD-INDIVIDUAL"


class RevalidationRule(BaseModel):
    """A professional regulator's CPD requirement over a cycle ending at revalidation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    cycle_months: PositiveInt
    required_hours: NonNegativeFloat
    required_participatory_hours: NonNegativeFloat
    participatory_achievement_types: tuple[str, ...] = (
        "ext:Workshop",
        "ext:Conference",
        "ext:Seminar",
    )


NMC_REVALIDATION = RevalidationRule(
    name="NMC revalidation",
    cycle_months=36,
    required_hours=35,
    required_participatory_hours=20,
)
"""Nurses and midwives: 35 hours over the three years before revalidation, 20 participatory."""


class CpdCycle(BaseModel):
    """CPD hours over one revalidation cycle: earned on or after `window_start`, before the end."""

    rule: str
    revalidation_date: date
    window_start: date
    as_of: date
    total_hours: float
    participatory_hours: float
    required_hours: float
    required_participatory_hours: float
    met: bool
    credential_ids: list[str]

    @property
    def participatory_hours_needed(self) -> float:
        """Participatory hours still to earn before revalidation."""
        return round(max(0.0, self.required_participatory_hours - self.participatory_hours), 2)

    @property
    def hours_needed(self) -> float:
        """Hours still to earn before revalidation. Participatory hours count towards the total,
        so it is never fewer than the participatory hours still needed."""
        total = self.required_hours - self.total_hours
        return round(max(0.0, total, self.participatory_hours_needed), 2)


def is_participatory(held: HeldCredential, rule: RevalidationRule = NMC_REVALIDATION) -> bool:
    """Whether a credential's learning was participatory: its marker, else its type."""
    codes = {code for framework, code in held.alignments if framework == CPD_FRAMEWORK}
    if PARTICIPATORY in codes:
        return True
    if INDIVIDUAL in codes:
        return False
    return held.achievement_type in rule.participatory_achievement_types


def cpd_hours_by_year(held: Sequence[HeldCredential], *, as_of: date) -> dict[str, float]:
    """CPD hours per NHS financial year (e.g. `2025/26`), in year order, as of a day."""
    years: dict[str, list[float]] = {}
    for h in _counted(held, as_of):
        years.setdefault(nhs_financial_year(h.earned_on), []).append(h.credits or 0.0)
    return {year: _total(hours) for year, hours in sorted(years.items())}


def revalidation_progress(
    held: Sequence[HeldCredential],
    *,
    revalidation_date: date,
    as_of: date,
    rule: RevalidationRule = NMC_REVALIDATION,
) -> CpdCycle:
    """CPD hours earned in the cycle before `revalidation_date`, counted as of `as_of`."""
    start = add_months(revalidation_date, -rule.cycle_months)
    in_cycle = [h for h in _counted(held, as_of) if start <= h.earned_on < revalidation_date]
    total = _total([h.credits or 0.0 for h in in_cycle])
    participatory = _total([h.credits or 0.0 for h in in_cycle if is_participatory(h, rule)])
    return CpdCycle(
        rule=rule.name,
        revalidation_date=revalidation_date,
        window_start=start,
        as_of=as_of,
        total_hours=total,
        participatory_hours=participatory,
        required_hours=rule.required_hours,
        required_participatory_hours=rule.required_participatory_hours,
        met=total >= rule.required_hours and participatory >= rule.required_participatory_hours,
        credential_ids=[h.id for h in in_cycle],
    )


def _counted(held: Sequence[HeldCredential], as_of: date) -> list[HeldCredential]:
    """The credentials with CPD hours that count on the as-of day."""
    return [h for h in held if h.credits is not None and h.in_force_on(as_of)]


def _total(hours: list[float]) -> float:
    return round(math.fsum(hours), 2)
