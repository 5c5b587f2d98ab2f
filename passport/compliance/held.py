"""A credential as the checks see it: the signed document, its issuer and its status history.

"As of" a day means at the end of that day (UTC): a credential issued, revoked or suspended at
any time that day has been by then. Validity is by day, as the passport shows it: a credential
counts from the day of its validFrom and no longer on the day of its validUntil.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

CredentialStatus = Literal["active", "suspended", "revoked"]


class _Document(BaseModel):
    """Only what the checks read; everything else in the credential is ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Alignment(_Document):
    target_framework: str | None = Field(default=None, alias="targetFramework")
    target_code: str | None = Field(default=None, alias="targetCode")


class _Achievement(_Document):
    achievement_type: str | None = Field(default=None, alias="achievementType")
    alignment: list[_Alignment] = Field(default_factory=list)


class _Subject(_Document):
    achievement: _Achievement
    credits_earned: float | None = Field(default=None, alias="creditsEarned", ge=0)


class _Credential(_Document):
    id: str
    valid_from: AwareDatetime = Field(alias="validFrom")
    valid_until: AwareDatetime | None = Field(default=None, alias="validUntil")
    credential_subject: _Subject = Field(alias="credentialSubject")


class HeldCredential(BaseModel):
    """One of the learner's credentials, with its issuer's DID and its status changes.

    `status_history` holds (when, status) changes; the first is the issue itself (`active`).
    Before that moment the ledger did not hold the credential. `issuer_id` is the issuer's DID
    as the ledger (or the verifier) established it, and is what recognition is decided on.
    """

    model_config = ConfigDict(frozen=True)

    credential: dict[str, Any]
    issuer_id: str = Field(pattern=r"^did:")
    status_history: list[tuple[AwareDatetime, CredentialStatus]] = Field(min_length=1)
    _document: _Credential = PrivateAttr()

    @field_validator("status_history")
    @classmethod
    def _starts_with_issue(
        cls, history: list[tuple[datetime, CredentialStatus]]
    ) -> list[tuple[datetime, CredentialStatus]]:
        ordered = sorted(history, key=lambda change: change[0])
        if ordered[0][1] != "active":
            raise ValueError("the first status change must be the issue (`active`)")
        return ordered

    def model_post_init(self, context: Any, /) -> None:
        """Read the parts of the credential the checks need, failing early if they are absent."""
        self._document = _Credential.model_validate(self.credential)

    @property
    def id(self) -> str:
        """The credential's id."""
        return self._document.id

    @property
    def earned_on(self) -> date:
        """The day of its validFrom."""
        return self._document.valid_from.astimezone(UTC).date()

    @property
    def valid_until(self) -> date | None:
        """The day of its validUntil: the first day it no longer counts."""
        until = self._document.valid_until
        return until.astimezone(UTC).date() if until else None

    @property
    def alignments(self) -> list[tuple[str | None, str | None]]:
        """(targetFramework, targetCode) of each alignment of its achievement."""
        achievement = self._document.credential_subject.achievement
        return [(a.target_framework, a.target_code) for a in achievement.alignment]

    @property
    def achievement_type(self) -> str | None:
        """Its achievement's `achievementType`."""
        return self._document.credential_subject.achievement.achievement_type

    @property
    def credits(self) -> float | None:
        """The subject's `creditsEarned`."""
        return self._document.credential_subject.credits_earned

    def status_on(self, day: date) -> CredentialStatus | None:
        """Its status at the end of `day`; None if it was not yet issued."""
        end_of_day = datetime.combine(day + timedelta(days=1), time(), UTC)
        status: CredentialStatus | None = None
        for when, changed_to in self.status_history:
            if when >= end_of_day:
                break
            status = changed_to
        return status

    @property
    def recorded_on(self) -> date:
        """The day the ledger recorded it (its issue), which may be after it was earned."""
        return self.status_history[0][0].astimezone(UTC).date()

    def in_force_on(self, day: date) -> bool:
        """Earned by `day`, and neither revoked nor suspended on it (expiry aside).

        What counts is when the training was done: a credential earned before `day` but
        recorded after it counts (its status then is its issue's, active); a revocation or
        suspension counts from the day it was recorded, or from the day it says it took effect
        (a missed maintenance rule found late), as `status_history` dates it."""
        if self.earned_on > day:
            return False
        return (self.status_on(day) or "active") == "active"
