"""Verification reports: named checks, each with an outcome and a reason; verdicts are derived."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What a check found. `unknown` is never shown as passed."""

    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


GOOD = (Outcome.PASSED, Outcome.NOT_APPLICABLE)


@dataclass(frozen=True)
class CheckResult:
    """One named check: a stable id, plain words, the outcome, a reason and a problem code."""

    id: str
    name: str
    outcome: Outcome
    reason: str
    problem: str | None = None
    decides: bool = True  # False: reported, but the verifier's policy does not count it

    @property
    def good(self) -> bool:
        """Whether this result lets the verdict stand (passed, not applicable, or not deciding)."""
        return self.outcome in GOOD or not self.decides

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "name": self.name,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "problem": self.problem,
            "decides": self.decides,
        }


def find_check(checks: tuple[CheckResult, ...], check_id: str) -> CheckResult:
    """The result of one check by id; `KeyError` if no such check was run."""
    for check in checks:
        if check.id == check_id:
            return check
    raise KeyError(check_id)


@dataclass(frozen=True)
class CredentialReport:
    """Every check run on one credential."""

    credential_id: str | None
    name: str | None
    issuer: str | None
    form: str
    checks: tuple[CheckResult, ...]
    policy: str = "registry"

    @property
    def verified(self) -> bool:
        """True only when every deciding check passed or did not apply."""
        return all(c.good for c in self.checks)

    def check(self, check_id: str) -> CheckResult:
        """The result of one check by id; `KeyError` if no such check was run."""
        return find_check(self.checks, check_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.credential_id,
            "name": self.name,
            "issuer": self.issuer,
            "form": self.form,
            "verified": self.verified,
            "policy": self.policy,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class DocumentReport:
    """The checks of a whole file: each credential's report and the file's own checks."""

    kind: str
    credentials: tuple[CredentialReport, ...]
    checks: tuple[CheckResult, ...] = field(default=())

    @property
    def verified(self) -> bool:
        """True when the file holds credentials and everything in it verified."""
        return (
            bool(self.credentials)
            and all(c.verified for c in self.credentials)
            and all(c.good for c in self.checks)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kind": self.kind,
            "verified": self.verified,
            "checks": [c.to_dict() for c in self.checks],
            "credentials": [c.to_dict() for c in self.credentials],
        }

    def to_text(self) -> str:
        """A plain-text report for a person."""
        marks = {
            Outcome.PASSED: "ok  ",
            Outcome.FAILED: "FAIL",
            Outcome.UNKNOWN: "??  ",
            Outcome.NOT_APPLICABLE: "--  ",
        }
        lines = [f"{self.kind}: {'VERIFIED' if self.verified else 'NOT VERIFIED'}"]
        lines += [f"  [{marks[c.outcome]}] {c.name}: {c.reason}" for c in self.checks]
        for report in self.credentials:
            verdict = "valid" if report.verified else "NOT VALID"
            lines.append(f"\n{report.name or report.credential_id} ({report.form}): {verdict}")
            lines += [f"  [{marks[c.outcome]}] {c.name}: {c.reason}" for c in report.checks]
        return "\n".join(lines)
