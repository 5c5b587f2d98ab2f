"""The role check: which of a role's requirements a learner's credentials meet, as of a day.

For each requirement, the credentials that count are those in force on the as-of day (earned
by then, even if recorded later; not revoked or suspended on that day) that show the subject at
the required level or higher and have not lapsed. A credential lapses at its validUntil or when
the requirement's refresher period, run from its validFrom, ends — whichever comes first. Among
those that count, one from an issuer the organisation recognises wins over one it does not,
then the one that lapses last.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from issuers.credentials import add_months
from passport.compliance.catalogue import Catalogue, Recognition, Requirement
from passport.compliance.held import HeldCredential

RegistryAligned = Callable[[str, str, datetime], bool]


class RequirementState(StrEnum):
    """Where one requirement stands."""

    MET = "met"
    EXPIRES_BEFORE = "expires_before"
    """Met on the as-of day, but no longer on the chosen day."""
    MET_BY_UNRECOGNISED_ISSUER = "met_by_unrecognised_issuer"
    MISSING = "missing"


class Verdict(StrEnum):
    """Where the role stands: every requirement met, met for now, or not met."""

    MET = "met"
    EXPIRES_BEFORE = "expires_before"
    NOT_MET = "not_met"


class RequirementResult(BaseModel):
    """One requirement's outcome and, unless missing, the credential behind it."""

    subject: str
    subject_name: str
    level: int | None
    refresher_months: int | None
    state: RequirementState
    credential_id: str | None = None
    issuer_id: str | None = None
    lapses_on: date | None = None
    """The first day the credential no longer meets the requirement; None: it does not lapse."""
    recorded_on: date | None = None
    """Set when the ledger recorded the credential after the as-of day (earned before it)."""


class RoleCheck(BaseModel):
    """A passport checked against a role."""

    role_id: str
    role_name: str
    organisation: str
    as_of: date
    expires_before: date | None
    verdict: Verdict
    requirements: list[RequirementResult]


@dataclass(frozen=True)
class _Candidate:
    credential_id: str
    issuer_id: str
    earned_on: date
    lapses_on: date | None
    issued_at: datetime | None = None
    recorded_on: date | None = None

    def rank(self) -> tuple[date, date, str]:
        """Lapses last first, then the most recent, then by id so the answer is stable."""
        return (self.lapses_on or date.max, self.earned_on, self.credential_id)


def check_role(
    catalogue: Catalogue,
    role_id: str,
    recognition: Recognition,
    held: Sequence[HeldCredential],
    *,
    as_of: date,
    expires_before: date | None = None,
    aligned: RegistryAligned | None = None,
) -> RoleCheck:
    """Check the credentials against a role as of a day, and whether they last to another.

    `aligned(issuer, subject, issued_at)` answers recognition rules that defer to the issuer
    registry ("issuers": "registry")."""
    if expires_before is not None and expires_before < as_of:
        raise ValueError(f"expires_before ({expires_before}) is before as_of ({as_of})")
    role = catalogue.role(role_id)
    in_force = [h for h in held if h.in_force_on(as_of)]
    results = [
        _check_requirement(catalogue, recognition, r, in_force, as_of, expires_before, aligned)
        for r in role.requirements
    ]
    return RoleCheck(
        role_id=role.id,
        role_name=role.name,
        organisation=recognition.organisation,
        as_of=as_of,
        expires_before=expires_before,
        verdict=_verdict(results),
        requirements=results,
    )


def lapses_on(held: HeldCredential, refresher_months: int | None) -> date | None:
    """The first day a credential no longer counts: its validUntil or refresher end, if sooner."""
    ends = [held.valid_until]
    if refresher_months is not None:
        ends.append(add_months(held.earned_on, refresher_months))
    known = [end for end in ends if end is not None]
    return min(known) if known else None


def _check_requirement(
    catalogue: Catalogue,
    recognition: Recognition,
    requirement: Requirement,
    in_force: Sequence[HeldCredential],
    as_of: date,
    expires_before: date | None,
    aligned: RegistryAligned | None = None,
) -> RequirementResult:
    candidates = _candidates(catalogue, requirement, in_force, as_of)

    def accepted(c: _Candidate) -> bool:
        def at_issue(issuer: str, subject: str) -> bool:
            return (
                aligned is not None
                and c.issued_at is not None
                and aligned(issuer, subject, c.issued_at)
            )

        return recognition.accepts(c.issuer_id, requirement.subject, at_issue)

    recognised = [c for c in candidates if accepted(c)]
    if recognised:
        best = max(recognised, key=_Candidate.rank)
        lapses_first = expires_before is not None and _lapses_by(best, expires_before)
        state = RequirementState.EXPIRES_BEFORE if lapses_first else RequirementState.MET
        return _result(catalogue, requirement, state, best)
    if candidates:
        best = max(candidates, key=_Candidate.rank)
        return _result(catalogue, requirement, RequirementState.MET_BY_UNRECOGNISED_ISSUER, best)
    return _result(catalogue, requirement, RequirementState.MISSING, None)


def _candidates(
    catalogue: Catalogue,
    requirement: Requirement,
    in_force: Sequence[HeldCredential],
    as_of: date,
) -> list[_Candidate]:
    """The in-force credentials that show the subject at the level and have not lapsed."""
    found = []
    for held in in_force:
        level = catalogue.levels_shown(held.alignments).get(requirement.subject)
        if level is None or level < requirement.least_level:
            continue
        lapses = lapses_on(held, requirement.refresher_months)
        if lapses is None or lapses > as_of:
            issued_at = held.status_history[0][0]
            later = held.recorded_on if held.recorded_on > as_of else None
            found.append(
                _Candidate(held.id, held.issuer_id, held.earned_on, lapses, issued_at, later)
            )
    return found


def _lapses_by(candidate: _Candidate, day: date) -> bool:
    """Whether the credential no longer counts on `day`."""
    return candidate.lapses_on is not None and candidate.lapses_on <= day


def _result(
    catalogue: Catalogue,
    requirement: Requirement,
    state: RequirementState,
    candidate: _Candidate | None,
) -> RequirementResult:
    return RequirementResult(
        subject=requirement.subject,
        subject_name=catalogue.subject(requirement.subject).name,
        level=requirement.level,
        refresher_months=requirement.refresher_months,
        state=state,
        credential_id=candidate.credential_id if candidate else None,
        issuer_id=candidate.issuer_id if candidate else None,
        lapses_on=candidate.lapses_on if candidate else None,
        recorded_on=candidate.recorded_on if candidate else None,
    )


def _verdict(results: Sequence[RequirementResult]) -> Verdict:
    states = {r.state for r in results}
    if states & {RequirementState.MISSING, RequirementState.MET_BY_UNRECOGNISED_ISSUER}:
        return Verdict.NOT_MET
    if RequirementState.EXPIRES_BEFORE in states:
        return Verdict.EXPIRES_BEFORE
    return Verdict.MET
