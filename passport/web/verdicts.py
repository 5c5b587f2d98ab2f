"""What a verification means to an employer, in one plain sentence per credential; the named
checks stay available as technical details."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from passport.web.cards import CredentialCard
from passport.words import long_date
from verifier import CredentialReport, Outcome

OUTCOME_WORDS = {
    "passed": "Passed",
    "failed": "Failed",
    "unknown": "Could not check",
    "not_applicable": "Does not apply",
}
OUTCOME_TAGS = {
    "passed": "nhsuk-tag--green",
    "failed": "nhsuk-tag--red",
    "unknown": "nhsuk-tag--yellow",
    "not_applicable": "nhsuk-tag--grey",
}
# What went wrong, shortest first in a headline ("… was revoked").
PROBLEM_WORDS = {
    "revoked": "was revoked",
    "suspended": "is suspended",
    "expired": "has expired",
    "not_yet_valid": "is not valid yet",
    "forged": "could not be confirmed as genuine",
    "issuer": "comes from an issuer we cannot confirm",
    "unchecked": "could not be fully checked",
}


NOTHING_SHARED = "This passport has no credentials yet"
"""The headline of a share of everything, opened before the learner earned anything."""


@dataclass(frozen=True)
class Check:
    """One named check, for the technical details."""

    name: str
    outcome: str
    words: str
    tag: str
    reason: str


@dataclass(frozen=True)
class CheckedCredential:
    """A shared credential: its card, the verdict in one sentence, and the named checks."""

    card: CredentialCard
    verified: bool
    verdict: str
    problem: str | None
    """A key of PROBLEM_WORDS, or None when genuine and current."""
    detail: str | None
    """Who did what when, for a revoked or suspended credential (and why, if shared)."""
    checks: list[Check]
    who: str = ""
    """Who issued it and who recognises them, for the technical details."""


def checked_credential(
    card: CredentialCard,
    report: CredentialReport,
    status_changes: Sequence[tuple[datetime, str]],
    *,
    show_reason: bool,
) -> CheckedCredential:
    """The employer's reading of one verified credential."""
    checks = [
        Check(
            c.name,
            c.outcome.value,
            OUTCOME_WORDS.get(c.outcome.value, c.outcome.value),
            OUTCOME_TAGS.get(c.outcome.value, "nhsuk-tag--grey"),
            c.reason,
        )
        for c in report.checks
    ]
    issued = f"issued by {card.issuer} on {long_date(card.valid_from)}"
    problem = _problem(report)
    detail = None
    if problem is None:
        lasts = f", valid until {long_date(card.valid_until)}" if card.valid_until else ""
        verdict = f"Genuine: {issued}, unchanged since, not revoked{lasts}."
    elif problem in ("revoked", "suspended"):
        when = _last_change(status_changes, problem)
        on = f" on {long_date(when)}" if when else ""
        verdict = f"{problem.capitalize()} by {card.issuer}{on}. It was genuinely {issued}."
        if show_reason and card.reason:
            detail = f"Reason given by {card.issuer}: {card.reason}"
        elif card.reason:
            detail = "The person who shared this chose not to show their name, so the reason "
            detail += "is not shown either."
    elif problem == "expired":
        verdict = f"Expired on {long_date(card.valid_until)}. It was genuinely {issued}."
    elif problem == "not_yet_valid":
        verdict = f"Not valid until {long_date(card.valid_from)}."
    elif problem == "forged":
        verdict = (
            "Not genuine: it does not match what its issuer signed, so it may have been changed. "
            "Do not rely on it; ask the issuer."
        )
    elif problem == "issuer":
        verdict = f"Unconfirmed issuer: {card.issuer} is not an issuer this service recognises."
    else:
        verdict = "Could not be fully checked: see the technical details, or try again later."
    return CheckedCredential(card, report.verified, verdict, problem, detail, checks, who(report))


def who(report: CredentialReport) -> str:
    """Who issued the credential, in the words an employer reads."""
    issuer = report.check("issuer")
    if issuer.outcome is Outcome.PASSED:
        return f"{issuer.reason[:1].upper()}{issuer.reason[1:]}."
    return f"We cannot tell who issued this: {issuer.reason}."


def _problem(report: CredentialReport) -> str | None:
    """The one thing an employer most needs to know went wrong (None: nothing did)."""
    if report.verified:
        return None
    failed = {c.id: c for c in report.checks if not c.good}
    if {"well_formed", "proof", "ledger_inclusion"} & failed.keys():
        return "forged"
    status = failed.get("status")
    if status is not None and status.outcome is Outcome.FAILED:
        return "suspended" if status.problem == "suspended" else "revoked"
    validity = failed.get("validity_period")
    if validity is not None and validity.outcome is Outcome.FAILED:
        return "not_yet_valid" if validity.problem == "not_yet_valid" else "expired"
    if {"issuer", "key_valid_at_issuance"} & failed.keys():
        return "issuer"
    return "unchecked"


def _last_change(changes: Sequence[tuple[datetime, str]], status: str) -> datetime | None:
    matching = [when for when, changed_to in changes if changed_to == status]
    return matching[-1] if matching else None


def headline(checked: Sequence[CheckedCredential]) -> str:
    """The page's verdict: all good, or which credentials are not, and how."""
    if not checked:
        return NOTHING_SHARED
    bad = [c for c in checked if not c.verified]
    if not bad:
        if len(checked) == 1:
            return "The credential is genuine and current"
        return f"All {len(checked)} credentials are genuine and current"
    named = [f"{c.card.name} {PROBLEM_WORDS[c.problem or 'unchecked']}" for c in bad]
    if len(named) == 1:
        return named[0]
    return f"{len(bad)} of {len(checked)} credentials need attention: " + "; ".join(named)


def dates_a_status_change(reports: Iterable[CredentialReport]) -> bool:
    """Whether any verdict says when a credential was revoked or suspended (only those read
    the credentials' status history)."""
    return any(_problem(report) in ("revoked", "suspended") for report in reports)


def reports_by_id(reports: Sequence[CredentialReport]) -> Mapping[str, CredentialReport]:
    """Each credential's report by the credential's id."""
    return {r.credential_id: r for r in reports if r.credential_id}
